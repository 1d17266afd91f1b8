// k8s.io/api/policy/v1: PodDisruptionBudget and the Eviction subresource body.
import { definePackage } from './dsl.ts';

export const policyV1 = definePackage('policy/v1', {
  PodDisruptionBudget: `
    1  metadata?                    meta/v1.ObjectMeta
    2  spec?                        PodDisruptionBudgetSpec
    3  status?                      PodDisruptionBudgetStatus
  `,
  PodDisruptionBudgetSpec: `
    1  minAvailable?                *IntOrString
    2  selector?                    *meta/v1.LabelSelector
    3  maxUnavailable?              *IntOrString
    4  unhealthyPodEvictionPolicy?  *string
  `,
  PodDisruptionBudgetStatus: `
    1  observedGeneration?          int64
    2  disruptedPods?               map[string]Time
    3  disruptionsAllowed           int32
    4  currentHealthy               int32
    5  desiredHealthy               int32
    6  expectedPods                 int32
    7  conditions?                  []meta/v1.Condition
  `,
  // policy/v1beta1 Eviction has the same encoding.
  Eviction: `
    1  metadata?                    meta/v1.ObjectMeta
    2  deleteOptions?               *meta/v1.DeleteOptions
  `,
});
