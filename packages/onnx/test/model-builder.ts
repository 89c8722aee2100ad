// Moved to the test-support workspace: import from '@splitc/test-support'. This re-export stays only
// until the tests written against the old path have moved.
export * from '@splitc/test-support';
