// Decoding of Kubernetes protobuf request bodies (what kubectl's typed clients send) into JSON objects.
export {
  type DecodedObject,
  decodeKubernetesProtobuf,
  isProtobufContentType,
  PROTOBUF_MEDIA_TYPE,
} from './decode.ts';
export { supportedKinds } from './schema/registry.ts';
