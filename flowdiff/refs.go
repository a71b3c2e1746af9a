package flowdiff

import (
	"regexp"
	"strings"
)

// widgetRef finds the references of Liquid templates to a state, in the
// canonical JSON of a value: widgets.NAME, and widgets["NAME"] or
// widgets['NAME'] (the double quotes escaped, as JSON writes them).
var widgetRef = regexp.MustCompile(`(^|[^\pL\pN_.])widgets(?:\.([\pL\pN_-]+)|\[(\\"|')([^"'\\]+)(\\"|')\])`)

// renames returns the new name of each state of the old version paired
// with a state of another name; nil when there is none.
func (d *differ) renames() map[string]string {
	var out map[string]string
	for i, j := range d.toNew {
		if j < 0 {
			continue
		}
		o, n := d.old.norm[i].s.Name, d.new.norm[j].s.Name
		if o != n && d.old.first[o] == i {
			if out == nil {
				out = map[string]string{}
			}
			out[o] = n
		}
	}
	return out
}

// follow rewrites the references to renamed states in v (canonical JSON)
// to their new names, as they read in the new version.
func follow(v string, renames map[string]string) string {
	if len(renames) == 0 || !strings.Contains(v, "widgets") {
		return v
	}
	return widgetRef.ReplaceAllStringFunc(v, func(m string) string {
		sub := widgetRef.FindStringSubmatch(m)
		name := sub[2] + sub[4]
		n, ok := renames[name]
		if !ok {
			return m
		}
		if sub[2] != "" {
			return sub[1] + "widgets." + n
		}
		return sub[1] + "widgets[" + sub[3] + n + sub[5] + "]"
	})
}

// followed returns old, with each value that only differs from new's
// by references following renames replaced by new's: what is left
// different changed in meaning.
func followed(old, new map[string]string, renames map[string]string) map[string]string {
	if len(renames) == 0 {
		return old
	}
	out := make(map[string]string, len(old))
	for k, v := range old {
		if w, ok := new[k]; ok && v != w && follow(v, renames) == w {
			v = w
		}
		out[k] = v
	}
	return out
}
