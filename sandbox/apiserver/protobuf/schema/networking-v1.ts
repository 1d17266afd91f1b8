// k8s.io/api/networking/v1: NetworkPolicy, as typed clients send it.
import { definePackage } from './dsl.ts';

export const networkingV1 = definePackage('networking/v1', {
  NetworkPolicy: `
    1  metadata?              meta/v1.ObjectMeta
    2  spec?                  NetworkPolicySpec
  `,
  NetworkPolicySpec: `
    1  podSelector            meta/v1.LabelSelector
    2  ingress?               []NetworkPolicyIngressRule
    3  egress?                []NetworkPolicyEgressRule
    4  policyTypes?           []string
  `,
  NetworkPolicyIngressRule: `
    1  ports?                 []NetworkPolicyPort
    2  from?                  []NetworkPolicyPeer
  `,
  NetworkPolicyEgressRule: `
    1  ports?                 []NetworkPolicyPort
    2  to?                    []NetworkPolicyPeer
  `,
  NetworkPolicyPeer: `
    1  podSelector?           *meta/v1.LabelSelector
    2  namespaceSelector?     *meta/v1.LabelSelector
    3  ipBlock?               *IPBlock
  `,
  NetworkPolicyPort: `
    1  protocol?              *string
    2  port?                  *IntOrString
    3  endPort?               *int32
  `,
  IPBlock: `
    1  cidr                   string
    2  except?                []string
  `,
});
