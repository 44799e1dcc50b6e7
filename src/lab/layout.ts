import { fail } from '../errors.js';

/** One site of the lab: a bridge on the host and the subnet behind it. */
export interface SiteSpec {
  name: string; // home1, home2: the `site` variable of its nodes
  bridge: string;
  gateway: string; // the host's address on the bridge
  prefix: string; // e.g. 10.88.0.0/24
}

export interface NodeSpec {
  name: string; // node1..
  site: SiteSpec;
  address: string;
  netns: string; // rack-nodeN, also /run/netns/rack-nodeN
  hostVeth: string; // the host end of the node's link, on the site bridge
}

export const MAX_NODES = 20;
export const MAX_SITES = 2;

export function siteSpec(index: number): SiteSpec {
  const octet = 88 + index;
  return {
    name: `home${index + 1}`,
    bridge: `rackbr${index}`,
    gateway: `10.${octet}.0.1`,
    prefix: `10.${octet}.0.0/24`,
  };
}

/**
 * Nodes are split over sites in order (node1..k at home1, the rest at home2). The host part
 * of an address is 10 + the node number at every site, so node addresses never repeat.
 */
export function labLayout(nodes: number, sites: number): NodeSpec[] {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    fail('E_LAB_NODES', `the lab takes 1 to ${MAX_NODES} nodes, not ${nodes}`);
  if (!Number.isInteger(sites) || sites < 1 || sites > MAX_SITES)
    fail('E_LAB_SITES', `the lab takes 1 to ${MAX_SITES} sites, not ${sites}`);
  if (sites > nodes) fail('E_LAB_SITES', `${sites} sites need at least ${sites} nodes`);
  const perSite = Math.ceil(nodes / sites);
  const out: NodeSpec[] = [];
  for (let i = 1; i <= nodes; i++) {
    const site = siteSpec(Math.floor((i - 1) / perSite));
    out.push({
      name: `node${i}`,
      site,
      address: site.gateway.replace(/\.1$/, `.${10 + i}`),
      netns: `rack-node${i}`,
      hostVeth: `rackv-node${i}`,
    });
  }
  return out;
}
