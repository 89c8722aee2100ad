#!/usr/bin/env node
// Launcher committed in source form so that npm can link the `splitc` bin before the build runs.
import '../dist/bin.js';
