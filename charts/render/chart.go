package main

// Loading a chart directory the way Helm's loader does: Chart.yaml, values.yaml, templates/,
// crds/ and every other file for .Files, less what .helmignore excludes.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Metadata is Chart.yaml; templates see it as .Chart with Helm's field names.
type Metadata struct {
	APIVersion   string              `yaml:"apiVersion"`
	Name         string              `yaml:"name"`
	Version      string              `yaml:"version"`
	AppVersion   string              `yaml:"appVersion"`
	KubeVersion  string              `yaml:"kubeVersion"`
	Description  string              `yaml:"description"`
	Type         string              `yaml:"type"`
	Home         string              `yaml:"home"`
	Icon         string              `yaml:"icon"`
	Sources      []string            `yaml:"sources"`
	Keywords     []string            `yaml:"keywords"`
	Maintainers  []map[string]string `yaml:"maintainers"`
	Annotations  map[string]string   `yaml:"annotations"`
	Deprecated   bool                `yaml:"deprecated"`
	Dependencies []interface{}       `yaml:"dependencies"`
}

type chartFile struct {
	Name string // relative to the chart directory, with forward slashes
	Data []byte
}

type Chart struct {
	Metadata  Metadata
	Values    map[string]interface{}
	Templates []chartFile
	CRDs      []chartFile
	Files     Files
}

func decodeStrict(data []byte, out interface{}) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(out)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func loadChart(dir string) (*Chart, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("chart directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("chart directory %s is not a directory", dir)
	}
	ignore, err := loadHelmignore(filepath.Join(dir, ".helmignore"))
	if err != nil {
		return nil, err
	}
	c := &Chart{Files: Files{}, Values: map[string]interface{}{}}
	haveMetadata := false
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignore.matches(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel == "charts" {
				return fmt.Errorf("%s: subcharts (charts/) are not supported by this renderer", dir)
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml":
			haveMetadata = true
			if err := decodeStrict(data, &c.Metadata); err != nil {
				return fmt.Errorf("Chart.yaml: %w", err)
			}
		case rel == "values.yaml":
			if err := yaml.Unmarshal(data, &c.Values); err != nil {
				return fmt.Errorf("values.yaml: %w", err)
			}
			if c.Values == nil {
				c.Values = map[string]interface{}{}
			}
		case rel == "values.schema.json":
			// Validated by the caller before rendering; not part of .Files (as in Helm).
		case strings.HasPrefix(rel, "templates/"):
			c.Templates = append(c.Templates, chartFile{rel, data})
		default:
			if strings.HasPrefix(rel, "crds/") {
				ext := path.Ext(rel)
				if ext == ".yaml" || ext == ".yml" || ext == ".json" {
					c.CRDs = append(c.CRDs, chartFile{rel, data})
				}
			}
			c.Files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !haveMetadata {
		return nil, fmt.Errorf("%s: Chart.yaml is missing", dir)
	}
	m := c.Metadata
	switch {
	case m.APIVersion != "v2":
		return nil, fmt.Errorf("Chart.yaml: apiVersion must be v2, got %q", m.APIVersion)
	case m.Name == "":
		return nil, errors.New("Chart.yaml: name is required")
	case m.Version == "":
		return nil, errors.New("Chart.yaml: version is required")
	case len(m.Dependencies) > 0:
		return nil, errors.New("Chart.yaml: dependencies are not supported by this renderer")
	}
	sort.Slice(c.Templates, func(i, j int) bool { return c.Templates[i].Name < c.Templates[j].Name })
	sort.Slice(c.CRDs, func(i, j int) bool { return c.CRDs[i].Name < c.CRDs[j].Name })
	return c, nil
}

// helmignore holds .helmignore patterns: globs matched against the path and its base name; a
// trailing slash matches directories only. Negation (!) is not supported and is reported.
type helmignore []string

func loadHelmignore(file string) (helmignore, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out helmignore
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			return nil, fmt.Errorf(".helmignore line %d: negated patterns are not supported", i+1)
		}
		if _, err := path.Match(strings.TrimSuffix(line, "/"), ""); err != nil {
			return nil, fmt.Errorf(".helmignore line %d: %w", i+1, err)
		}
		out = append(out, line)
	}
	return out, nil
}

func (h helmignore) matches(rel string, isDir bool) bool {
	if rel == ".helmignore" {
		return true
	}
	for _, p := range h {
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimPrefix(strings.TrimSuffix(p, "/"), "/")
		if dirOnly && !isDir {
			continue
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, path.Base(rel)); ok {
			return true
		}
	}
	return false
}

// Files is .Files: the chart's non-template files by relative path.
type Files map[string][]byte

func (f Files) Get(name string) string { return string(f[name]) }

func (f Files) GetBytes(name string) []byte { return f[name] }

func (f Files) Glob(pattern string) (Files, error) {
	out := Files{}
	for name, data := range f {
		ok, err := path.Match(pattern, name)
		if err != nil {
			return nil, fmt.Errorf("Files.Glob %q: %w", pattern, err)
		}
		if ok {
			out[name] = data
		}
	}
	return out, nil
}

func (f Files) Lines(name string) []string {
	s := strings.TrimSuffix(string(f[name]), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (f Files) sortedNames() []string {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// AsConfig renders the files as a ConfigMap's data: base name → content.
func (f Files) AsConfig() string {
	m := map[string]string{}
	for _, n := range f.sortedNames() {
		m[path.Base(n)] = string(f[n])
	}
	return toYAML(m)
}

// AsSecrets renders the files as a Secret's data: base name → base64 content.
func (f Files) AsSecrets() string {
	m := map[string]string{}
	for _, n := range f.sortedNames() {
		m[path.Base(n)] = base64.StdEncoding.EncodeToString(f[n])
	}
	return toYAML(m)
}
