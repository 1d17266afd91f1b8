// k8s.io/api/autoscaling/v1: Scale, the body of the scale subresource.
import { definePackage } from './dsl.ts';

export const autoscalingV1 = definePackage('autoscaling/v1', {
  Scale: `
    1  metadata?        meta/v1.ObjectMeta
    2  spec?            ScaleSpec
    3  status?          ScaleStatus
  `,
  ScaleSpec: `
    1  replicas?        int32
  `,
  ScaleStatus: `
    1  replicas         int32
    2  selector?        string
  `,
});
