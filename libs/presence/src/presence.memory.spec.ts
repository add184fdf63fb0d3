import { describe } from 'node:test';
import { MemoryPresenceStore } from './presence.memory';
import { presenceContract } from './presence.contract';

describe('in-memory presence', () => {
  const store = new MemoryPresenceStore();
  presenceContract(() => store);
});
