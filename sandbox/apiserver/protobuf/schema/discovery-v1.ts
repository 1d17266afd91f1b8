// k8s.io/api/discovery/v1: EndpointSlice.
import { definePackage } from './dsl.ts';

export const discoveryV1 = definePackage('discovery/v1', {
  EndpointSlice: `
    1  metadata?              meta/v1.ObjectMeta
    4  addressType            string
    2  endpoints              []Endpoint
    3  ports                  []EndpointPort
  `,
  Endpoint: `
    1  addresses              []string
    2  conditions?            EndpointConditions
    3  hostname?              *string
    4  targetRef?             *core/v1.ObjectReference
    5  deprecatedTopology?    map[string]string
    6  nodeName?              *string
    7  zone?                  *string
    8  hints?                 *EndpointHints
  `,
  EndpointConditions: `
    1  ready?                 *bool
    2  serving?               *bool
    3  terminating?           *bool
  `,
  EndpointHints: `
    1  forZones?              []ForZone
  `,
  ForZone: `
    1  name                   string
  `,
  EndpointPort: `
    1  name?                  *string
    2  protocol?              *string
    3  port?                  *int32
    4  appProtocol?           *string
  `,
});
