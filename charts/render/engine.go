package main

// The template engine: text/template with sprig and Helm's own functions (include, tpl, toYaml,
// fromYaml, required, lookup, ...), rendering each template file, splitting the output into
// documents and ordering them the way Helm installs them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

const includeDepthLimit = 1000

// Release is .Release.
type Release struct {
	Name      string
	Namespace string
	Service   string
	Revision  int
	IsInstall bool
	IsUpgrade bool
}

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities is .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// TemplateInfo is .Template.
type TemplateInfo struct {
	Name     string
	BasePath string
}

// The API versions `helm template` assumes without a cluster, plus their kinds.
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v1", "autoscaling/v2",
	"rbac.authorization.k8s.io/v1", "networking.k8s.io/v1", "coordination.k8s.io/v1",
	"discovery.k8s.io/v1", "events.k8s.io/v1", "apiextensions.k8s.io/v1", "storage.k8s.io/v1",
	"scheduling.k8s.io/v1", "admissionregistration.k8s.io/v1", "certificates.k8s.io/v1",
}

func capabilitiesFor(version string, extra []string) (Capabilities, error) {
	m := regexp.MustCompile(`^v?(\d+)\.(\d+)(\.\d+)?$`).FindStringSubmatch(version)
	if m == nil {
		return Capabilities{}, fmt.Errorf("--kube-version %q: expected a version such as 1.32.0", version)
	}
	patch := m[3]
	if patch == "" {
		patch = ".0"
	}
	v := "v" + m[1] + "." + m[2] + patch
	apis := append(VersionSet{}, defaultAPIVersions...)
	apis = append(apis, extra...)
	return Capabilities{
		KubeVersion: KubeVersion{Version: v, Major: m[1], Minor: m[2], GitVersion: v},
		APIVersions: apis,
		HelmVersion: map[string]string{"Version": "v3-compatible", "GoVersion": "go1.19"},
	}, nil
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	_ = enc.Close()
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var a []interface{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return []interface{}{err.Error()}
	}
	return a
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

type engine struct {
	root  *template.Template
	depth map[string]int
}

func newEngine(c *Chart) (*engine, error) {
	e := &engine{depth: map[string]int{}}
	funcs := sprig.TxtFuncMap()
	// Templates must not depend on the environment of whoever renders them (as in Helm).
	delete(funcs, "env")
	delete(funcs, "expandenv")
	for name, fn := range map[string]interface{}{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"fromJson":      fromJSON,
		"include":       e.include,
		"tpl":           e.tpl,
		"required":      required,
		// Nothing to look up without a cluster: Helm's `template` answers the same way.
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	} {
		funcs[name] = fn
	}
	e.root = template.New("chart").Funcs(funcs).Option("missingkey=zero")
	for _, f := range c.Templates {
		name := path.Join(c.Metadata.Name, f.Name)
		if _, err := e.root.New(name).Parse(string(f.Data)); err != nil {
			return nil, fmt.Errorf("parse error: %s", strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	return e, nil
}

func required(msg string, v interface{}) (interface{}, error) {
	if v == nil {
		return v, errors.New(msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return v, errors.New(msg)
	}
	return v, nil
}

func (e *engine) include(name string, data interface{}) (string, error) {
	e.depth[name]++
	defer func() { e.depth[name]-- }()
	if e.depth[name] > includeDepthLimit {
		return "", fmt.Errorf("include %q: recursion deeper than %d", name, includeDepthLimit)
	}
	var buf bytes.Buffer
	if err := e.root.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func (e *engine) tpl(text string, data interface{}) (string, error) {
	clone, err := e.root.Clone()
	if err != nil {
		return "", err
	}
	t, err := clone.New("tpl").Parse(text)
	if err != nil {
		return "", fmt.Errorf("tpl: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

var execError = regexp.MustCompile(`^template: ([^:]+:\d+:\d+): executing "[^"]*" at <[^>]*>: error calling \w+: (.*)$`)

// cleanError turns text/template's execution errors into Helm's shorter form.
func cleanError(err error) error {
	msg := err.Error()
	if m := execError.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("execution error at (%s): %s", m[1], m[2])
	}
	return errors.New(strings.TrimPrefix(msg, "template: "))
}

// Manifest is one rendered document and the template it came from.
type Manifest struct {
	Source  string
	Kind    string
	Content string
	order   int
}

// Helm's install order: kinds earlier in the list are applied first; unknown kinds come last.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
	"ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// splitDocuments splits a rendered file into its YAML documents, checking that each one parses
// and names its apiVersion and kind.
func splitDocuments(source, text string) ([]Manifest, error) {
	var out []Manifest
	for _, doc := range docSeparator.Split(text, -1) {
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		var head struct {
			APIVersion string                 `yaml:"apiVersion"`
			Kind       string                 `yaml:"kind"`
			Metadata   map[string]interface{} `yaml:"metadata"`
		}
		var any interface{}
		if err := yaml.Unmarshal([]byte(doc), &any); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %v", source, err)
		}
		if any == nil {
			continue // only comments
		}
		if _, ok := any.(map[string]interface{}); !ok {
			return nil, fmt.Errorf("%s: a document is not a mapping:\n%s", source, doc)
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %v", source, err)
		}
		if head.APIVersion == "" || head.Kind == "" {
			return nil, fmt.Errorf("%s: a document has no apiVersion or kind:\n%s", source, doc)
		}
		out = append(out, Manifest{Source: source, Kind: head.Kind, Content: doc})
	}
	return out, nil
}

type renderResult struct {
	Manifests []Manifest
	Notes     string
}

func (e *engine) render(c *Chart, top map[string]interface{}) (*renderResult, error) {
	res := &renderResult{}
	for _, f := range c.Templates {
		base := path.Base(f.Name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		name := path.Join(c.Metadata.Name, f.Name)
		data := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = TemplateInfo{Name: name, BasePath: path.Join(c.Metadata.Name, "templates")}
		var buf bytes.Buffer
		if err := e.root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, cleanError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			res.Notes = text
			continue
		}
		docs, err := splitDocuments(name, text)
		if err != nil {
			return nil, err
		}
		res.Manifests = append(res.Manifests, docs...)
	}
	for i := range res.Manifests {
		res.Manifests[i].order = i
	}
	sort.SliceStable(res.Manifests, func(i, j int) bool {
		a, b := res.Manifests[i], res.Manifests[j]
		if ra, rb := kindRank(a.Kind), kindRank(b.Kind); ra != rb {
			return ra < rb
		}
		return a.order < b.order
	})
	return res, nil
}

// crdManifests returns the chart's crds/ files, unrendered, as Helm installs them.
func crdManifests(c *Chart) ([]Manifest, error) {
	var out []Manifest
	for _, f := range c.CRDs {
		docs, err := splitDocuments(path.Join(c.Metadata.Name, f.Name), string(f.Data))
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if d.Kind != "CustomResourceDefinition" {
				return nil, fmt.Errorf("%s: crds/ may only hold CustomResourceDefinitions, found %s", d.Source, d.Kind)
			}
		}
		out = append(out, docs...)
	}
	return out, nil
}
