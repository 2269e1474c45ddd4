import * as core from '@codedance/core';
import { describe, expect, it } from 'vitest';
import { READINESS_TYPES, RESTART_POLICIES, STOP_SIGNALS } from './types';

// The dashboard keeps its own copies of these lists so that its bundle does not
// pull in the server's schemas; they must stay the lists the server accepts.
describe('the choices the dashboard offers', () => {
  it('are the restart policies and stop signals of the server', () => {
    expect(RESTART_POLICIES).toEqual(core.RESTART_POLICIES);
    expect(STOP_SIGNALS).toEqual(core.STOP_SIGNALS);
  });

  it('are the readiness checks of the server', () => {
    const kinds = core.ReadinessSchema.anyOf.map(
      (variant) => (variant.properties.type as { const: string }).const,
    );
    expect([...READINESS_TYPES]).toEqual(kinds);
  });
});
