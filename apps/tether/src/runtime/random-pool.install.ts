// Imported first by main.ts: ssh2 takes crypto.randomFillSync when it loads, so the pool must be in place before.
import { installRandomPool } from './random-pool';

installRandomPool();
