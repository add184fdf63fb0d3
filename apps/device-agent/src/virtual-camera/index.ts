export { createVirtualCamera } from './virtual-camera.server';
export type { CameraAuth, VirtualCamera, VirtualCameraOptions } from './virtual-camera.options';
export { CAMERA_AUTH } from './virtual-camera.options';
