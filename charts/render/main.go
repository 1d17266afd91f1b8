// Command render renders a Helm chart to multi-document YAML the way `helm template` does, for
// machines without a helm binary: Go's text/template with sprig and Helm's template functions.
//
//	render --chart charts/homeostat --name homeostat --namespace homeostat-system \
//	  [-f values.yaml]... [--set a.b=c]... [--set-string a.b=007]... [--include-crds]
//	  [--print-values | --notes] [--kube-version 1.32.0] [--api-versions monitoring.coreos.com/v1]
//
// --print-values prints the merged values as JSON (for schema validation) and renders nothing.
// values.schema.json is not checked here; the TypeScript wrapper (charts/render.ts) validates it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// Release names become parts of object names, hence Helm's rule: a DNS-1123 label of ≤ 53 chars.
var releaseName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	var valueFiles, sets, setStrings, apiVersions multiFlag
	chartDir := fs.String("chart", "", "chart directory")
	name := fs.String("name", "release-name", "release name")
	namespace := fs.String("namespace", "default", "release namespace")
	kubeVersion := fs.String("kube-version", "1.32.0", "Kubernetes version for .Capabilities")
	includeCRDs := fs.Bool("include-crds", false, "emit the chart's crds/ first")
	printValues := fs.Bool("print-values", false, "print the merged values as JSON and stop")
	notes := fs.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	fs.Var(&valueFiles, "f", "values file (repeatable)")
	fs.Var(&valueFiles, "values", "values file (repeatable)")
	fs.Var(&sets, "set", "key=value (repeatable)")
	fs.Var(&setStrings, "set-string", "key=value, always a string (repeatable)")
	fs.Var(&apiVersions, "api-versions", "extra API version for .Capabilities.APIVersions (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (the chart is given with --chart)", fs.Arg(0))
	}
	if *chartDir == "" {
		return fmt.Errorf("--chart is required")
	}
	if len(*name) > 53 || !releaseName.MatchString(*name) {
		return fmt.Errorf("release name %q: must be at most 53 lowercase letters, digits and '-', starting and ending with a letter or digit", *name)
	}
	if !releaseName.MatchString(*namespace) || len(*namespace) > 63 {
		return fmt.Errorf("namespace %q: must be a DNS-1123 label", *namespace)
	}

	chart, err := loadChart(*chartDir)
	if err != nil {
		return err
	}
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		v, err := loadValuesFile(f)
		if err != nil {
			return err
		}
		user = mergeMaps(user, v)
	}
	for _, s := range sets {
		if err := parseSet(s, user, true); err != nil {
			return err
		}
	}
	for _, s := range setStrings {
		if err := parseSet(s, user, false); err != nil {
			return err
		}
	}
	values := coalesce(chart.Values, user)
	if *printValues {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(values)
	}

	caps, err := capabilitiesFor(*kubeVersion, apiVersions)
	if err != nil {
		return err
	}
	eng, err := newEngine(chart)
	if err != nil {
		return err
	}
	res, err := eng.render(chart, map[string]interface{}{
		"Values":       values,
		"Chart":        chart.Metadata,
		"Release":      Release{Name: *name, Namespace: *namespace, Service: "Helm", Revision: 1, IsInstall: true},
		"Capabilities": caps,
		"Files":        chart.Files,
	})
	if err != nil {
		return err
	}
	if *notes {
		_, err := io.WriteString(out, res.Notes)
		return err
	}
	manifests := res.Manifests
	if *includeCRDs {
		crds, err := crdManifests(chart)
		if err != nil {
			return err
		}
		manifests = append(crds, manifests...)
	}
	var b strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Source, m.Content)
	}
	_, err = io.WriteString(out, b.String())
	return err
}
