import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, allows, leastRoleFor, tenantNameProblem } from '../index.js';

describe('allows', () => {
  it.each([
    ['viewer', ['read']],
    ['operator', ['read', 'operate']],
    ['admin', ['read', 'operate', 'administer']],
  ] as const)('%s may do exactly %j within its tenant', (role, granted) => {
    const may = PERMISSIONS.filter((p) => allows({ role }, p));
    expect(may).toEqual(granted);
  });

  it('lets a platform administrator do everything, whatever its tenant role', () => {
    for (const role of ROLES) {
      expect(PERMISSIONS.every((p) => allows({ role, platform: true }, p))).toBe(true);
    }
  });

  it('names the least role for each permission', () => {
    expect(PERMISSIONS.map(leastRoleFor)).toEqual(['viewer', 'operator', 'admin', undefined]);
  });
});

describe('tenant names', () => {
  it.each(['default', 'shop', 'team-a', 'a', 'a1'.repeat(31) + 'b'])('accepts %s', (name) => {
    expect(tenantNameProblem(name)).toBeUndefined();
  });
  it.each(['', 'Shop', '-a', 'a-', 'a_b', 'a.b', 'x'.repeat(64), '../etc'])(
    'refuses %j',
    (name) => {
      expect(tenantNameProblem(name)).toMatch(/tenant name/);
    },
  );
});
