// @ts-check
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Each folder of a package's `src/` is a module with one public surface, its `index.ts`: code
 * in another folder (or at the top of `src/`) imports it through that index and never reaches
 * past it into the folder's files. Test helpers under `test-support/` are open to tests.
 * The files at the top of `src/` compose the folders (the composition root, the app, the
 * server), so no folder imports them, except the few listed as `shared` (the clock, the version).
 *
 * @type {import('eslint').Rule.RuleModule}
 */
export const folderBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Import another folder only through its index.ts.' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          shared: { type: 'array', items: { type: 'string' } },
        },
        required: ['root'],
      },
    ],
    messages: {
      deep: "'{{spec}}' reaches into the folder '{{folder}}': import '{{folder}}/index.js' instead.",
      up: "'{{spec}}' is a composition file above the folders: pass what it builds in as a parameter.",
    },
  },
  create(context) {
    const options = /** @type {{root: string, shared?: string[]}} */ (context.options[0]);
    const root = resolve(context.cwd, options.root);
    const shared = new Set((options.shared ?? []).map((name) => name.replace(/\.(js|ts)$/, '')));
    const file = context.filename;
    const fromParts = relative(root, file).split(sep);
    if (fromParts[0] === '..') return {};
    const fromFolder = fromParts.length > 1 ? fromParts[0] : null;

    /** @param {import('estree').Node & {source?: any}} node */
    function check(node) {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const parts = relative(root, resolve(dirname(file), spec)).split(sep);
      if (parts[0] === '..') return; // outside src
      if (parts.length === 1) {
        const name = (parts[0] ?? '').replace(/\.(js|ts)$/, '');
        if (fromFolder !== null && !shared.has(name)) {
          context.report({ node: node.source, messageId: 'up', data: { spec } });
        }
        return;
      }
      const folder = parts[0];
      if (folder === fromFolder) return;
      if (parts.length === 2 && /^index\.(js|ts)$/.test(parts[1] ?? '')) return;
      if (parts.includes('test-support')) return;
      context.report({ node: node.source, messageId: 'deep', data: { spec, folder } });
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
