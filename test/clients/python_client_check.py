"""Drives the sandbox with the official Kubernetes Python client (Debian's python3-kubernetes).

Prints one JSON object with what it observed; the vitest side asserts on it.
"""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
ns = sys.argv[2]
core = client.CoreV1Api()
apps = client.AppsV1Api()
out = {}

core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
out["version"] = client.VersionApi().get_code().git_version

# Typed create / read / patch / list with a label selector.
core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py", labels={"from": "python"}), data={"a": "1"}))
core.patch_namespaced_config_map("py", ns, {"data": {"b": "2"}})
cm = core.read_namespaced_config_map("py", ns)
out["data"] = cm.data
out["listed"] = [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="from=python").items]

# Errors arrive as ApiException with the Status body.
try:
    core.read_namespaced_config_map("missing", ns)
except ApiException as e:
    out["not_found"] = {"status": e.status, "reason": json.loads(e.body)["reason"]}

# A deployment through the apps API, then its scale subresource.
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-dep"),
    spec=client.V1DeploymentSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels={"app": "py-dep"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-dep"}),
            spec=client.V1PodSpec(node_selector={"never": "true"}, containers=[client.V1Container(name="c", image="homeostat/echo:dev")]),
        ),
    ),
)
apps.create_namespaced_deployment(ns, dep)
apps.patch_namespaced_deployment_scale("py-dep", ns, {"spec": {"replicas": 4}})
out["replicas"] = apps.read_namespaced_deployment("py-dep", ns).spec.replicas

# Watch: events for objects created after the watch started.
events = []
rv = core.list_namespaced_config_map(ns).metadata.resource_version
w = watch.Watch()


def make():
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-watched")))
    core.delete_namespaced_config_map("py-watched", ns)


threading.Timer(0.3, make).start()
for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10):
    events.append("%s %s" % (ev["type"], ev["object"].metadata.name))
    if len(events) >= 2:
        w.stop()
out["events"] = events

core.delete_namespace(ns)
print(json.dumps(out))
