import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cameraParams } from './camera.params';
import { ParamStore } from './param.store';
import { resolveOptions } from './virtual-camera.options';

const storeFor = (oak?: string) => {
  const c = resolveOptions({ mac: '00408ca03af0', password: 'pass', serverList: ['a.example:1'], oak });
  return new ParamStore(cameraParams(c, ['a.example:1']), ['a.example:1']);
};

describe('virtual camera: the OAK of a device in factory state (--oak)', () => {
  it('lists root.RemoteService.OAK in the RemoteService group', () => {
    assert.match(storeFor('5A8A-26D0-52AC').list(['root.RemoteService']), /^root\.RemoteService\.OAK=5A8A-26D0-52AC$/m);
  });

  it('has no OAK parameter when none was given', () => {
    assert.doesNotMatch(storeFor().list(['root.RemoteService']), /OAK/);
  });

  it('the OAK cannot be changed through param.cgi', () => {
    const s = storeFor('5A8A-26D0-52AC');
    assert.deepEqual(s.update([['RemoteService.OAK', '0000-0000-0000']]), {
      ok: false,
      errors: ["# Error: Error setting 'RemoteService.OAK' to '0000-0000-0000'!\n"],
    });
    assert.match(s.list(['RemoteService.OAK']), /=5A8A-26D0-52AC\n$/);
  });
});
