export { ChangeStream } from '@codedance/core';
