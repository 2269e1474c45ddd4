export { measureWindows as measure } from '@codedance/core';
