package main

// Flags bound by reflection onto config structs: every exported field of a
// config becomes one flag named after its json tag (or its Go name in
// kebab-case), with an optional prefix per struct, so that the struct is the
// one place a setting is defined and documented, `-h` prints the real
// defaults, and a test can check that no field lacks a flag.

import (
	"flag"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// fieldValue is a flag.Value over one struct field.
type fieldValue struct{ v reflect.Value }

func (f fieldValue) String() string {
	if !f.v.IsValid() {
		return ""
	}
	if d, ok := f.v.Interface().(time.Duration); ok {
		return d.String()
	}
	if f.v.Kind() == reflect.Slice {
		parts := make([]string, f.v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(f.v.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(f.v.Interface())
}

func (f fieldValue) IsBoolFlag() bool { return f.v.Kind() == reflect.Bool }

func (f fieldValue) Set(s string) error {
	v := f.v
	if _, ok := v.Interface().(time.Duration); ok {
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(x)
	case reflect.Slice:
		parts := strings.Split(s, ",")
		out := reflect.MakeSlice(v.Type(), 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if err := (fieldValue{e}).Set(p); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		v.Set(out)
	default:
		return fmt.Errorf("unsupported flag type %s", v.Type())
	}
	return nil
}

// flagName is the flag for a struct field: its json tag (underscores to
// dashes) or its name in kebab-case; "" for fields tagged json:"-".
func flagName(f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("json"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			return ""
		}
		if name != "" {
			return strings.ReplaceAll(name, "_", "-")
		}
	}
	var b strings.Builder
	rs := []rune(f.Name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bindStruct adds a flag for every exported field of the struct ptr points
// to (walking embedded structs), named prefix+flagName. help gives usage
// text by flag name; fields without it say which Go field they set. skip
// lists field names to leave out (they are set elsewhere).
func bindStruct(fs *flag.FlagSet, ptr any, prefix, structName string, help map[string]string, skip ...string) {
	v := reflect.ValueOf(ptr).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || contains(skip, f.Name) {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			bindStruct(fs, fv.Addr().Interface(), prefix, structName, help, skip...)
			continue
		}
		name := flagName(f)
		if name == "" {
			continue
		}
		switch fv.Kind() {
		case reflect.Struct, reflect.Map, reflect.Pointer, reflect.Interface:
			if _, ok := fv.Interface().(time.Duration); !ok {
				continue
			}
		}
		name = prefix + name
		usage := help[name]
		if usage == "" {
			usage = fmt.Sprintf("sets %s.%s (see its doc comment)", structName, f.Name)
		}
		fs.Var(fieldValue{fv}, name, usage)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
