import type { Rule } from 'eslint';

export declare const folderBoundaries: Rule.RuleModule;
