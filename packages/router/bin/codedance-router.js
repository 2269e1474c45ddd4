#!/usr/bin/env node
// The router's command line: `codedance-router --help` lists its options.
import '../dist/main.js';
