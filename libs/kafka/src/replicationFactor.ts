const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/i;

/**
 * The replication factor for topics LungFlow creates: the setting when given, else 1 for a local single broker
 * (every broker on loopback) and 3 for anything else, so that topics on a real cluster survive a broker loss.
 */
export function replicationFactor(brokers: readonly string[], setting?: number): number {
  if (setting !== undefined) return setting;
  const hosts = brokers.map((broker) => broker.replace(/:\d+$/, ''));
  return hosts.length > 0 && hosts.every((host) => LOOPBACK.test(host)) ? 1 : 3;
}
