// networking.k8s.io/v1 NetworkPolicy: defaulting and validation after kube's networking/v1
// defaults and pkg/apis/networking/validation (v1.32). The sandbox stores policies; its service
// proxy does not enforce them.
import { isIP } from 'node:net';
import { fieldErrors, type StatusCause } from '../errors.ts';
import { isObject } from '../meta.ts';
import { validateLabelSelector } from '../selectors.ts';
import type { Strategy } from './strategies.ts';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

function defaults(obj: any): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  // podSelector is a non-pointer struct in Go: an absent one is the empty selector (all pods).
  if (spec.podSelector === undefined || spec.podSelector === null) spec.podSelector = {};
  for (const dir of ['ingress', 'egress'])
    for (const rule of Array.isArray(spec[dir]) ? spec[dir] : [])
      for (const port of isObject(rule) && Array.isArray(rule.ports) ? rule.ports : [])
        if (isObject(port) && (port.protocol === undefined || port.protocol === null)) port.protocol = 'TCP';
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push('Egress');
  }
}

const portNumberErrors = (n: unknown): string[] =>
  typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535
    ? []
    : ['must be between 1 and 65535, inclusive'];

/** validation.IsValidPortName (an IANA service name). */
function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name))
    out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

function validatePort(port: unknown, field: string): StatusCause[] {
  if (!isObject(port)) return [fieldErrors.typeInvalid(field, port, 'must be an object')];
  const out: StatusCause[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string))
    out.push(fieldErrors.unsupported(`${field}.protocol`, port.protocol, PROTOCOLS));
  const { port: p, endPort } = port;
  const hasEnd = endPort !== undefined && endPort !== null;
  if (p === undefined || p === null) {
    if (hasEnd)
      out.push(
        fieldErrors.invalid(`${field}.endPort`, endPort, 'may not be specified when `port` is not specified'),
      );
  } else if (typeof p === 'number') {
    for (const msg of portNumberErrors(p)) out.push(fieldErrors.invalid(`${field}.port`, p, msg));
    if (hasEnd) {
      if (typeof endPort === 'number' && endPort < p)
        out.push(fieldErrors.invalid(`${field}.endPort`, p, 'must be greater than or equal to `port`'));
      for (const msg of portNumberErrors(endPort))
        out.push(fieldErrors.invalid(`${field}.endPort`, endPort, msg));
    }
  } else if (typeof p === 'string') {
    if (hasEnd)
      out.push(
        fieldErrors.invalid(`${field}.endPort`, endPort, 'may not be specified when `port` is non-numeric'),
      );
    for (const msg of portNameErrors(p)) out.push(fieldErrors.invalid(`${field}.port`, p, msg));
  } else {
    out.push(fieldErrors.typeInvalid(`${field}.port`, p, 'must be a port number or name'));
  }
  return out;
}

interface Cidr {
  family: 4 | 6;
  network: bigint;
  bits: number;
}

/** netutils.ParseCIDRSloppy: an address and a prefix length; IPv4 octets may have leading zeros. */
function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const bits = Number(m[2]);
  let addr = m[1]!;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(addr))
    addr = addr
      .split('.')
      .map((o) => String(Number(o)))
      .join('.');
  const family = isIP(addr);
  if (family === 4) {
    if (bits > 32) return undefined;
    const n = addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { family, bits, network: mask(n, bits, 32) };
  }
  if (family === 6) {
    if (bits > 128) return undefined;
    return { family, bits, network: mask(ipv6ToBigInt(addr), bits, 128) };
  }
  return undefined;
}

function mask(n: bigint, bits: number, width: number): bigint {
  const hostBits = BigInt(width - bits);
  return (n >> hostBits) << hostBits;
}

function ipv6ToBigInt(addr: string): bigint {
  let a = addr;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [o1, o2, o3, o4] = v4.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4.index)}${((o1 << 8) | o2).toString(16)}:${((o3 << 8) | o4).toString(16)}`;
  }
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function validateIpBlock(block: unknown, field: string): StatusCause[] {
  if (!isObject(block)) return [fieldErrors.typeInvalid(field, block, 'must be an object')];
  if (typeof block.cidr !== 'string' || block.cidr === '') return [fieldErrors.required(`${field}.cidr`)];
  const cidr = parseCidr(block.cidr);
  if (!cidr) return [fieldErrors.invalid(`${field}.cidr`, block.cidr, CIDR_MESSAGE)];
  const out: StatusCause[] = [];
  const except = block.except ?? [];
  if (!Array.isArray(except)) return [fieldErrors.typeInvalid(`${field}.except`, except, 'must be a list')];
  except.forEach((e, i) => {
    const path = `${field}.except[${i}]`;
    const ex = typeof e === 'string' ? parseCidr(e) : undefined;
    if (!ex) {
      out.push(fieldErrors.invalid(path, e, CIDR_MESSAGE));
      return;
    }
    const inside =
      ex.family === cidr.family &&
      mask(ex.network, cidr.bits, cidr.family === 4 ? 32 : 128) === cidr.network &&
      cidr.bits < ex.bits;
    if (!inside) out.push(fieldErrors.invalid(path, e, 'must be a strict subset of `cidr`'));
  });
  return out;
}

function validatePeer(peer: unknown, field: string): StatusCause[] {
  if (!isObject(peer)) return [fieldErrors.typeInvalid(field, peer, 'must be an object')];
  const out: StatusCause[] = [];
  let peers = 0;
  const present = (v: unknown) => v !== undefined && v !== null;
  if (present(peer.podSelector)) {
    peers++;
    out.push(...validateLabelSelector(peer.podSelector as any, `${field}.podSelector`));
  }
  if (present(peer.namespaceSelector)) {
    peers++;
    out.push(...validateLabelSelector(peer.namespaceSelector as any, `${field}.namespaceSelector`));
  }
  if (present(peer.ipBlock)) {
    peers++;
    out.push(...validateIpBlock(peer.ipBlock, `${field}.ipBlock`));
  }
  if (peers === 0) out.push(fieldErrors.required(field, 'must specify a peer'));
  else if (peers > 1 && present(peer.ipBlock))
    out.push(fieldErrors.forbidden(field, 'may not specify both ipBlock and another peer'));
  return out;
}

function validateRules(spec: any, dir: 'ingress' | 'egress', peersKey: 'from' | 'to'): StatusCause[] {
  const rules = spec[dir];
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [fieldErrors.typeInvalid(`spec.${dir}`, rules, 'must be a list')];
  const out: StatusCause[] = [];
  rules.forEach((rule, i) => {
    const path = `spec.${dir}[${i}]`;
    if (!isObject(rule)) {
      out.push(fieldErrors.typeInvalid(path, rule, 'must be an object'));
      return;
    }
    for (const [key, check] of [
      ['ports', validatePort],
      [peersKey, validatePeer],
    ] as const) {
      const items = rule[key];
      if (items === undefined || items === null) continue;
      if (!Array.isArray(items)) out.push(fieldErrors.typeInvalid(`${path}.${key}`, items, 'must be a list'));
      else out.push(...items.flatMap((item, j) => check(item, `${path}.${key}[${j}]`)));
    }
  });
  return out;
}

function validate(obj: any): StatusCause[] {
  const spec = obj.spec;
  const out = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  out.push(...validateRules(spec, 'ingress', 'from'), ...validateRules(spec, 'egress', 'to'));
  const types = spec.policyTypes;
  if (!Array.isArray(types)) out.push(fieldErrors.typeInvalid('spec.policyTypes', types, 'must be a list'));
  else if (types.length > POLICY_TYPES.length)
    out.push(fieldErrors.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  else
    types.forEach((t, i) => {
      if (!POLICY_TYPES.includes(t))
        out.push(fieldErrors.unsupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
    });
  return out;
}

export const networkPolicyStrategy: Strategy = { nameRule: 'subdomain', defaults, validate };
