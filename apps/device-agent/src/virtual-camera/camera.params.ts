import type { CameraConfig } from './virtual-camera.options';

export const SERVER_LIST_PARAM = 'root.RemoteService.ServerList';

/** `00408c123456` -> `00:40:8C:12:34:56`, as root.Network.eth0.MACAddress shows it. */
export function colonMac(mac: string): string {
  return mac.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** The parameter tree a real camera would list; only the server list is writable. */
export function cameraParams(c: CameraConfig, serverList: readonly string[]): Array<[string, string]> {
  return [
    ['root.Brand.Brand', 'AXIS'],
    ['root.Brand.ProdFullName', c.model],
    ['root.Brand.ProdShortName', c.model],
    ['root.Brand.ProdNbr', 'VIRTUAL'],
    ['root.Brand.ProdType', 'Network Camera'],
    ['root.Brand.WebURL', 'http://www.axis.com'],
    ['root.Properties.API.HTTP.Version', '3'],
    ['root.Properties.Firmware.Version', c.firmware],
    ['root.Properties.Image.Format', 'jpeg,mjpeg'],
    ['root.Properties.Image.Resolution', '1920x1080,1280x720,640x480,320x240'],
    ['root.Properties.System.Architecture', 'aarch64'],
    ['root.Properties.System.SerialNumber', c.mac.toUpperCase()],
    ['root.Image.I0.Appearance.Resolution', '640x480'],
    ['root.Image.I0.Stream.FPS', String(c.fps)],
    ['root.Network.HostName', `axis-${c.mac}`],
    ['root.Network.eth0.MACAddress', colonMac(c.mac)],
    ['root.RemoteService.Enabled', 'yes'],
    [SERVER_LIST_PARAM, serverList.join(',')],
    ['root.RemoteService.ProxyServer', ''],
    ['root.RemoteService.ProxyPort', ''],
    ['root.RemoteService.ProxyLogin', ''],
    ['root.RemoteService.ProxyPassword', ''],
    ['root.RemoteService.ProxyAuth', 'basic'],
    ...(c.oak ? ([['root.RemoteService.OAK', c.oak]] as Array<[string, string]>) : []),
  ];
}
