/**
 * client_srcaddr is the device's IP without the port (reference 6.4: `client_srcaddr=10.22.33.44`). A dual-stack
 * listener reports IPv4 peers as `::ffff:a.b.c.d`: receivers written against O3C expect the plain IPv4 form.
 */
export function clientAddress(srcaddr: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(srcaddr);
  const host = bracketed ? bracketed[1] : srcaddr.replace(/:\d+$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped ? mapped[1] : host;
}
