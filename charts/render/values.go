package main

// .Values as Helm builds them: the chart's values.yaml, then each values file deep-merged in
// order, then --set and --set-string; a null given by the user removes the chart's default.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

func loadValuesFile(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("values file: %w", err)
	}
	var v interface{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("values file %s: %w", file, err)
	}
	if v == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("values file %s: the top level must be a mapping", file)
	}
	return m, nil
}

// mergeMaps deep-merges b over a (both user values; nulls are kept so they can delete defaults).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce lays user values over the chart's defaults; a user null deletes the key.
func coalesce(defaults, user map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		if um, ok := v.(map[string]interface{}); ok {
			if dm, ok := out[k].(map[string]interface{}); ok {
				out[k] = coalesce(dm, um)
				continue
			}
			out[k] = coalesce(map[string]interface{}{}, um)
			continue
		}
		out[k] = v
	}
	return out
}

// parseSet applies one --set (typed) or --set-string argument: comma-separated key=value pairs;
// keys are dotted paths with optional [index] suffixes; {a,b} is a list; \ escapes , . = { }.
func parseSet(arg string, dst map[string]interface{}, typed bool) error {
	for _, pair := range splitUnescaped(arg, ',', true) {
		if pair == "" {
			continue
		}
		eq := indexUnescaped(pair, '=')
		if eq < 0 {
			return fmt.Errorf("--set %q: expected key=value", pair)
		}
		key, raw := pair[:eq], pair[eq+1:]
		if key == "" {
			return fmt.Errorf("--set %q: the key is empty", pair)
		}
		var val interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") && !strings.HasSuffix(raw, `\}`) {
			list := []interface{}{}
			inner := raw[1 : len(raw)-1]
			if inner != "" {
				for _, item := range splitUnescaped(inner, ',', false) {
					list = append(list, scalar(unescape(item), typed))
				}
			}
			val = list
		} else {
			val = scalar(unescape(raw), typed)
		}
		path, err := parseKeyPath(key)
		if err != nil {
			return fmt.Errorf("--set %q: %w", pair, err)
		}
		if err := setPath(dst, path, val); err != nil {
			return fmt.Errorf("--set %q: %w", pair, err)
		}
	}
	return nil
}

func scalar(s string, typed bool) interface{} {
	if !typed {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	// Leading zeros stay strings (as in Helm), so "007" is not 7.
	if s == "0" || (len(s) > 0 && s[0] != '0' && !(len(s) > 1 && s[0] == '-' && s[1] == '0')) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// splitUnescaped splits on sep outside braces (when braces) and not preceded by a backslash.
func splitUnescaped(s string, sep byte, braces bool) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case braces && c == '{':
			depth++
		case braces && c == '}' && depth > 0:
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// A key path step is a map key or a list index.
type step struct {
	key   string
	index int
	isIdx bool
}

func parseKeyPath(key string) ([]step, error) {
	var out []step
	for _, part := range splitUnescaped(key, '.', false) {
		name := part
		var idx []int
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndex(name, "[")
			if open < 0 {
				return nil, fmt.Errorf("unbalanced ] in key %q", key)
			}
			n, err := strconv.Atoi(name[open+1 : len(name)-1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid list index in key %q", key)
			}
			if n > 65536 {
				return nil, fmt.Errorf("list index %d in key %q is too large", n, key)
			}
			idx = append([]int{n}, idx...)
			name = name[:open]
		}
		name = unescape(name)
		if name == "" {
			return nil, fmt.Errorf("empty segment in key %q", key)
		}
		out = append(out, step{key: name})
		for _, n := range idx {
			out = append(out, step{index: n, isIdx: true})
		}
	}
	return out, nil
}

func setPath(dst map[string]interface{}, path []step, val interface{}) error {
	var cur interface{} = dst
	var assign func(interface{})
	for i, s := range path {
		last := i == len(path)-1
		if s.isIdx {
			list, _ := cur.([]interface{})
			for len(list) <= s.index {
				list = append(list, nil)
			}
			assign(list)
			if last {
				list[s.index] = val
				return nil
			}
			idx := s.index
			assign = func(v interface{}) { list[idx] = v }
			cur = nextContainer(list[idx], path[i+1])
			assign(cur)
			continue
		}
		m, ok := cur.(map[string]interface{})
		if !ok {
			return fmt.Errorf("%s is not a mapping", s.key)
		}
		if last {
			m[s.key] = val
			return nil
		}
		key := s.key
		assign = func(v interface{}) { m[key] = v }
		cur = nextContainer(m[key], path[i+1])
		assign(cur)
	}
	return nil
}

func nextContainer(existing interface{}, next step) interface{} {
	if next.isIdx {
		if l, ok := existing.([]interface{}); ok {
			return l
		}
		return []interface{}{}
	}
	if m, ok := existing.(map[string]interface{}); ok {
		return m
	}
	return map[string]interface{}{}
}
