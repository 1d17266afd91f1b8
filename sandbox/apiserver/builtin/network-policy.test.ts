import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../errors.ts';
import { networkPolicyStrategy as strategy } from './network-policy.ts';

const fields = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

function checked(spec: unknown): string[] {
  const obj: any = { spec: structuredClone(spec) };
  strategy.defaults!(obj);
  return fields(strategy.validate!(obj));
}

describe('NetworkPolicy defaults', () => {
  it('fills the empty pod selector, TCP ports and the policy types implied by the rules', () => {
    const obj: any = {};
    strategy.defaults!(obj);
    expect(obj.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const both: any = {
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 5432 }, { port: 53, protocol: 'UDP' }] }],
        egress: [{ ports: [{ port: 'dns' }] }],
      },
    };
    strategy.defaults!(both);
    expect(both.spec.ingress[0].ports).toEqual([
      { port: 5432, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
    ]);
    expect(both.spec.egress[0].ports).toEqual([{ port: 'dns', protocol: 'TCP' }]);
    expect(both.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const egressOnly: any = { spec: { policyTypes: ['Egress'] } };
    strategy.defaults!(egressOnly);
    expect(egressOnly.spec.policyTypes).toEqual(['Egress']);
  });
});

describe('NetworkPolicy validation', () => {
  it('accepts the usual policies', () => {
    expect(
      checked({
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] },
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: {} },
              { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '010.2.0.0/16'] } },
            ],
            ports: [{ port: 8000, endPort: 8080 }, { port: 'metrics' }, { protocol: 'SCTP' }],
          },
        ],
        egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }],
      }),
    ).toEqual([]);
  });

  it('names bad selectors, ports and policy types', () => {
    expect(
      checked({
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In' }] },
        ingress: [
          {
            ports: [
              { port: 0 },
              { port: 80, endPort: 79 },
              { port: 'http', endPort: 90 },
              { endPort: 90 },
              { port: 'HTTP--' },
              { port: '8080' },
              { protocol: 'ICMP' },
            ],
          },
        ],
        policyTypes: ['Ingress', 'Sideways'],
      }),
    ).toEqual([
      "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ingress[0].ports[1].endPort: Invalid value: 80: must be greater than or equal to `port`',
      'spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[3].endPort: Invalid value: 90: may not be specified when `port` is not specified',
      'spec.ingress[0].ports[4].port: Invalid value: "HTTP--": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ingress[0].ports[4].port: Invalid value: "HTTP--": must not contain consecutive hyphens',
      'spec.ingress[0].ports[4].port: Invalid value: "HTTP--": must not begin or end with a hyphen',
      'spec.ingress[0].ports[5].port: Invalid value: "8080": must contain at least one letter (a-z)',
      'spec.ingress[0].ports[6].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]);
    expect(checked({ policyTypes: ['Ingress', 'Egress', 'Ingress'] })).toEqual([
      'spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes',
    ]);
  });

  it('needs exactly one kind of peer, and except blocks strictly inside the cidr', () => {
    expect(
      checked({
        egress: [
          {
            to: [
              {},
              { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
              { ipBlock: {} },
              { ipBlock: { cidr: '10.0.0.0/33' } },
              {
                ipBlock: {
                  cidr: '10.0.0.0/16',
                  except: ['10.0.0.0/16', '10.1.0.0/24', 'fd00::/64', 'nonsense'],
                },
              },
            ],
          },
        ],
      }),
    ).toEqual([
      'spec.egress[0].to[0]: Required value: must specify a peer',
      'spec.egress[0].to[1]: Forbidden: may not specify both ipBlock and another peer',
      'spec.egress[0].to[2].ipBlock.cidr: Required value',
      'spec.egress[0].to[3].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.egress[0].to[4].ipBlock.except[0]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`',
      'spec.egress[0].to[4].ipBlock.except[1]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'spec.egress[0].to[4].ipBlock.except[2]: Invalid value: "fd00::/64": must be a strict subset of `cidr`',
      'spec.egress[0].to[4].ipBlock.except[3]: Invalid value: "nonsense": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});
