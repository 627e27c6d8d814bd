package main

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// checkFields reports the first member of the JSON text b that the value
// v points to has no field for, as a usage error naming where it is and
// the fields there are. encoding/json ignores such members, and its
// DisallowUnknownFields does not reach into the nests the generated
// structs hold as family.Opt values, which decode themselves.
//
// Text that is not JSON, or whose values have the wrong types, passes:
// json.Unmarshal reports it.
func checkFields(v any, b []byte) error {
	return checkValue(reflect.TypeOf(v), b, "")
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkValue checks b, the JSON of a value of type t at path.
func checkValue(t reflect.Type, b []byte, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if inner, ok := optValue(t); ok {
		return checkValue(inner, b, path)
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil // enums and flags: names or numbers, their own business
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkObject(t, b, path)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // bytes: their own text (hex for family.Bytes)
		}
		var elems []json.RawMessage
		if json.Unmarshal(b, &elems) != nil {
			return nil
		}
		for i, e := range elems {
			if err := checkValue(t.Elem(), e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// optValue returns the type of an Opt's Value, if t is a family.Opt.
func optValue(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || t.PkgPath() != "github.com/nlgo/netlink/family" || !strings.HasPrefix(t.Name(), "Opt[") {
		return nil, false
	}
	f, ok := t.FieldByName("Value")
	return f.Type, ok
}

// checkObject checks b, the JSON object of a struct of type t at path.
func checkObject(t reflect.Type, b []byte, path string) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) != nil {
		return nil
	}
	fields := jsonFields(t)
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first unknown one reported is always the same
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			ft, ok = foldField(fields, k)
		}
		where := k
		if path != "" {
			where = path + "." + k
		}
		if !ok {
			names := make([]string, 0, len(fields))
			for n := range fields {
				names = append(names, n)
			}
			slices.Sort(names)
			in := "the request"
			if path != "" {
				in = path
			}
			return usagef("ynl: -json: %s has no field %q; its fields: %s", in, k, strings.Join(names, ", "))
		}
		if err := checkValue(ft, members[k], where); err != nil {
			return err
		}
	}
	return nil
}

// foldField finds the field encoding/json would match k to without
// regard to case.
func foldField(fields map[string]reflect.Type, k string) (reflect.Type, bool) {
	for n, t := range fields {
		if strings.EqualFold(n, k) {
			return t, true
		}
	}
	return nil, false
}

// jsonFields returns the JSON names of t's fields and their types, with
// the fields of untagged embedded structs (a message's fixed header)
// among them, as encoding/json flattens them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for n, ft := range jsonFields(f.Type) {
				if _, ok := fields[n]; !ok {
					fields[n] = ft
				}
			}
		case !f.IsExported():
		case name != "":
			fields[name] = f.Type
		default:
			fields[f.Name] = f.Type
		}
	}
	return fields
}
