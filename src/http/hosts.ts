// DNS rebinding: a web page can make a browser send requests to 127.0.0.1 under its own host name. Requests are
// served only when addressed to a host this server knows it is: loopback names, TROVE_PUBLIC_URL's host,
// TROVE_ALLOWED_HOSTS, and, when it listens beyond loopback, this machine's names and addresses.
import { hostname, networkInterfaces } from 'node:os';
import { isLoopbackHost, type TroveConfig } from '../config';

/** The host name of a Host header, lower-case, without port and IPv6 brackets. */
export function hostNameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  return value.replace(/:\d*$/, '');
}

export function allowedHostNames(config: TroveConfig): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...config.allowedHosts]);
  if (config.publicUrl) names.add(hostNameOf(new URL(config.publicUrl).host));
  if (!isLoopbackHost(config.host)) {
    if (!['0.0.0.0', '::'].includes(config.host)) names.add(hostNameOf(config.host));
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) names.add(address.address.toLowerCase());
  }
  return names;
}
