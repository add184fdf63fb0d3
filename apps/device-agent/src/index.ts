export { DeviceFleet } from './fleet/device-fleet';
export type { FleetOptions } from './fleet/device-fleet';
export { DeviceConnection } from './connection/device-connection';
export type { DeviceIdentity } from './connection/device-connection';
export { parseServerList } from './connection/backoff';
export { parseTarget } from './target/channel-target';
export { FAILURE_STATUS, classifyFailure } from './connection/failure-status';
export { CAMERA_AUTH } from './virtual-camera';
export type { CameraAuth } from './virtual-camera';
