export {
  SortedKeys,
  keepMatching,
  type KeyPage,
  type KeyPageOptions,
  type ListPageOptions,
  type StatusTextFilter,
} from './sorted-keys.js';
