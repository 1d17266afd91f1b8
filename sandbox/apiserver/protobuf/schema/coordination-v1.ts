// k8s.io/api/coordination/v1: Lease, used for leader election and node heartbeats.
import { definePackage } from './dsl.ts';

export const coordinationV1 = definePackage('coordination/v1', {
  Lease: `
    1  metadata?               meta/v1.ObjectMeta
    2  spec?                   LeaseSpec
  `,
  LeaseSpec: `
    1  holderIdentity?         *string
    2  leaseDurationSeconds?   *int32
    3  acquireTime?            *MicroTime
    4  renewTime?              *MicroTime
    5  leaseTransitions?       *int32
    6  strategy?               *string
    7  preferredHolder?        *string
  `,
});
