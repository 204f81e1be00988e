import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.js';
import { clusterNetworkConfigMap, clusterNetworkFromConfigMap, type ClusterNetwork } from '../orchestrator/api/clusterNetwork.js';

describe('configFromEnv', () => {
  it('uses the documented defaults', () => {
    const c = configFromEnv({ HOME: '/home/u' }, '/app/dist', 6480);
    expect(c.cp.apiPort).toBe(6443);
    expect(c.cp.apiHost).toBe('127.0.0.1');
    expect(c.cp.localNode).toBe('auto');
    expect(c.cp.kubeletPort).toBe(10250);
    expect(c.uiPort).toBe(6480);
    expect(c.cp.agentBundlePath).toBe('/app/dist/agent/skiff-agent.js');
    expect(c.cp.controllers?.nodeLifecycle?.gracePeriodMs).toBeUndefined();
    expect(c.cp.eventTtlMs).toBeUndefined();
    expect(c.cp.encryptResources).toBeUndefined();
    expect(c.cp.controllers?.localPath).toBeUndefined();
  });

  it('reads every setting from the environment', () => {
    const c = configFromEnv(
      { SKIFF_HOME: '/data', SKIFF_API_PORT: '7443', SKIFF_UI_PORT: '0', SKIFF_LOCAL_NODE: 'off', SKIFF_KUBELET_PORT: '11250', SKIFF_NODE_GRACE_SECONDS: '15', SKIFF_EVICTION_SECONDS: '5', SKIFF_EVENT_TTL_SECONDS: '600', SKIFF_ENCRYPT_RESOURCES: 'secrets, configmaps', SKIFF_STORAGE_HELPER_IMAGE: '127.0.0.1:5000/tools/busybox:1' },
      '/d',
      6480,
    );
    expect(c.cp.home).toBe('/data');
    expect(c.cp.apiPort).toBe(7443);
    expect(c.uiPort).toBe(0);
    expect(c.cp.localNode).toBe('off');
    expect(c.cp.kubeletPort).toBe(11250);
    expect(c.cp.controllers?.nodeLifecycle).toEqual({ gracePeriodMs: 15000, evictionTimeoutMs: 5000 });
    expect(c.cp.eventTtlMs).toBe(600_000);
    expect(c.cp.encryptResources).toEqual(['secrets', 'configmaps']);
    expect(c.cp.controllers?.localPath).toEqual({ helperImage: '127.0.0.1:5000/tools/busybox:1' });
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(() => configFromEnv({ SKIFF_API_PORT: 'http' }, '/d', 0)).toThrow(/SKIFF_API_PORT must be a port number/);
    expect(() => configFromEnv({ SKIFF_LOCAL_NODE: 'yes' }, '/d', 0)).toThrow(/SKIFF_LOCAL_NODE must be auto, on or off/);
    expect(() => configFromEnv({ SKIFF_NODE_GRACE_SECONDS: '-1' }, '/d', 0)).toThrow(/SKIFF_NODE_GRACE_SECONDS/);
    expect(() => configFromEnv({ SKIFF_EVENT_TTL_SECONDS: 'never' }, '/d', 0)).toThrow(/SKIFF_EVENT_TTL_SECONDS must be a positive number of seconds/);
    expect(() => configFromEnv({ SKIFF_ENCRYPT_RESOURCES: 'secret' }, '/d', 0)).toThrow(/SKIFF_ENCRYPT_RESOURCES: "secret" is not a resource Skiff serves/);
    expect(() => configFromEnv({ SKIFF_STORAGE_HELPER_IMAGE: 'busy box' }, '/d', 0)).toThrow(/SKIFF_STORAGE_HELPER_IMAGE must be an image reference/);
  });

  it('reads the network ranges and refuses overlapping or malformed ones', () => {
    expect(configFromEnv({}, '/d', 0).cp.network).toEqual({ clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.96.0.0/12', nodeMaskSize: 24, backend: 'auto', ingressHttpPort: 80, ingressHttpsPort: 443, wireguardPort: 51820 });
    expect(configFromEnv({ SKIFF_POD_NETWORK_BACKEND: 'wireguard', SKIFF_WIREGUARD_PORT: '51999' }, '/d', 0).cp.network).toMatchObject({ backend: 'wireguard', wireguardPort: 51999 });
    expect(() => configFromEnv({ SKIFF_WIREGUARD_PORT: '0' }, '/d', 0)).toThrow(/SKIFF_WIREGUARD_PORT must be a port number 1\.\.65535/);
    expect(configFromEnv({ SKIFF_INGRESS_HTTP_PORT: '8080', SKIFF_INGRESS_HTTPS_PORT: '0' }, '/d', 0).cp.network).toMatchObject({ ingressHttpPort: 8080, ingressHttpsPort: 0 });
    expect(() => configFromEnv({ SKIFF_INGRESS_HTTP_PORT: '8443', SKIFF_INGRESS_HTTPS_PORT: '8443' }, '/d', 0)).toThrow(/both 8443/);
    const c = configFromEnv({ SKIFF_CLUSTER_CIDR: '172.20.0.0/16', SKIFF_SERVICE_CIDR: '172.21.0.0/16', SKIFF_POD_NETWORK_BACKEND: 'vxlan' }, '/d', 0);
    expect(c.cp.network).toMatchObject({ clusterCIDR: '172.20.0.0/16', serviceCIDR: '172.21.0.0/16', backend: 'vxlan' });
    expect(() => configFromEnv({ SKIFF_CLUSTER_CIDR: '10.96.0.0/16' }, '/d', 0)).toThrow(
      'SKIFF_CLUSTER_CIDR (10.96.0.0/16) and SKIFF_SERVICE_CIDR (10.96.0.0/12) overlap: pod and service addresses must come from separate ranges',
    );
    expect(() => configFromEnv({ SKIFF_SERVICE_CIDR: '10.96.0.1/12' }, '/d', 0)).toThrow(/SKIFF_SERVICE_CIDR: "10.96.0.1\/12" has host bits set/);
    expect(() => configFromEnv({ SKIFF_CLUSTER_CIDR: '10.42.0.0/25' }, '/d', 0)).toThrow(/smaller than one node's \/24 pod subnet/);
    expect(() => configFromEnv({ SKIFF_POD_NETWORK_BACKEND: 'ipsec' }, '/d', 0)).toThrow(/SKIFF_POD_NETWORK_BACKEND must be one of auto, host-gw, vxlan, wireguard, got "ipsec"/);
  });

  it('reads the trusted networks of the auto backend, and says which entry is wrong', () => {
    expect(configFromEnv({ SKIFF_TRUSTED_NETWORKS: '10.0.0.0/8, 192.168.1.0/24' }, '/d', 0).cp.network?.trustedNetworks).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
    // Set but empty: nothing is trusted, every peer is encrypted.
    expect(configFromEnv({ SKIFF_TRUSTED_NETWORKS: '' }, '/d', 0).cp.network?.trustedNetworks).toEqual([]);
    expect(configFromEnv({}, '/d', 0).cp.network?.trustedNetworks).toBeUndefined();
    expect(() => configFromEnv({ SKIFF_TRUSTED_NETWORKS: '10.0.0.0/8,lan' }, '/d', 0)).toThrow('SKIFF_TRUSTED_NETWORKS entry "lan": "lan" is not a CIDR block like 10.42.0.0/16');
  });

  it('publishes the trusted networks to the nodes and reads them back', () => {
    const n = configFromEnv({ SKIFF_TRUSTED_NETWORKS: '10.0.0.0/8,192.168.1.0/24' }, '/d', 0).cp.network as ClusterNetwork;
    const cm = clusterNetworkConfigMap(n);
    expect(cm.data.trustedNetworks).toBe('10.0.0.0/8,192.168.1.0/24');
    expect(clusterNetworkFromConfigMap(cm).trustedNetworks).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
    expect(clusterNetworkFromConfigMap(clusterNetworkConfigMap(configFromEnv({}, '/d', 0).cp.network as ClusterNetwork)).trustedNetworks).toBeUndefined();
    expect(() => clusterNetworkFromConfigMap({ ...cm, data: { ...cm.data, trustedNetworks: '10.0.0.1/8' } })).toThrow('ConfigMap kube-system/skiff-network trustedNetworks entry "10.0.0.1/8": "10.0.0.1/8" has host bits set: did you mean 10.0.0.0/8?');
  });
});
