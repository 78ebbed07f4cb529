package rulestead

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// One line of bindings/fixtures/cases.jsonl.
type fixtureCase struct {
	Flag     string
	Type     string
	Context  map[string]any
	Fallback any
	Note     string
	Expected struct {
		Value   any
		Variant *string
		Reason  string
		Error   string
		Rule    *string
	}
}

var typeByName = map[string]Type{"boolean": TypeBool, "string": TypeString,
	"integer": TypeInt, "float": TypeFloat, "object": TypeObject}

// goValue converts a JSON value of a case to what the binding returns for
// type t (json.Number to int64 or float64; objects stay as decoded).
func goValue(t *testing.T, v any, typ Type) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	switch typ {
	case TypeInt:
		i, err := n.Int64()
		if err != nil {
			t.Fatalf("integer %s: %v", n, err)
		}
		return i
	case TypeFloat:
		f, err := n.Float64()
		if err != nil {
			t.Fatalf("float %s: %v", n, err)
		}
		return f
	}
	// Inside an object: encoding/json decodes numbers as float64.
	f, _ := n.Float64()
	return f
}

// plain re-decodes an object without json.Number, as the binding does.
func plain(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func readCases(t *testing.T) []fixtureCase {
	data, err := os.ReadFile(fixtures + "/cases.jsonl")
	if err != nil {
		t.Fatalf("the shared fixtures: %v", err)
	}
	var cases []fixtureCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		var c fixtureCase
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("cases.jsonl line %d: %v", len(cases)+1, err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 50 {
		t.Fatalf("cases.jsonl: expected at least 50 cases, found %d", len(cases))
	}
	return cases
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestFixtureCases: every case decided by librsl through rsc explain is
// decided the same through the binding, detailed and typed.
func TestFixtureCases(t *testing.T) {
	c := open(t, served(t, "prod"), Options{NoWatch: true})
	for i, tc := range readCases(t) {
		typ, ok := typeByName[tc.Type]
		if !ok {
			t.Fatalf("case %d: unknown type %q", i+1, tc.Type)
		}
		fallback := goValue(t, tc.Fallback, typ)
		want := goValue(t, tc.Expected.Value, typ)
		if typ == TypeObject {
			fallback, want = plain(t, fallback), plain(t, want)
		}
		ctx, err := ContextFromMap(tc.Context)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i+1, tc.Note, err)
		}
		name := tc.Flag + ": " + tc.Note
		r, err := c.EvaluateType(tc.Flag, typ, ctx, fallback)
		wantErr := tc.Expected.Error
		if wantErr == "NONE" {
			wantErr = ""
		}
		if !reflect.DeepEqual(r.Value, want) || r.Variant != str(tc.Expected.Variant) ||
			string(r.Reason) != tc.Expected.Reason || string(r.ErrorCode) != wantErr ||
			r.Rule != str(tc.Expected.Rule) {
			t.Errorf("case %d (%s): expected %v %q %s %q rule %q, found %#v %q %s %q rule %q",
				i+1, name, want, str(tc.Expected.Variant), tc.Expected.Reason, wantErr,
				str(tc.Expected.Rule), r.Value, r.Variant, r.Reason, r.ErrorCode, r.Rule)
		}
		if (err != nil) != (wantErr != "") {
			t.Errorf("case %d (%s): error %v with error code %q", i+1, name, err, wantErr)
		}
		prepared, err := ctx.Prepare()
		if err != nil {
			t.Fatalf("case %d (%s): Prepare: %v", i+1, name, err)
		}
		if rp, _ := c.EvaluateType(tc.Flag, typ, prepared, fallback); !reflect.DeepEqual(rp, r) {
			t.Errorf("case %d (%s): prepared: expected %+v, found %+v", i+1, name, r, rp)
		}
		var typed any
		switch typ {
		case TypeBool:
			typed = c.Bool(tc.Flag, ctx, fallback.(bool))
		case TypeString:
			typed = c.String(tc.Flag, ctx, fallback.(string))
		case TypeInt:
			typed = c.Int(tc.Flag, ctx, fallback.(int64))
		case TypeFloat:
			typed = c.Float(tc.Flag, ctx, fallback.(float64))
		case TypeObject:
			typed = c.Object(tc.Flag, ctx, fallback)
		}
		if !reflect.DeepEqual(typed, want) {
			t.Errorf("case %d (%s): typed call: expected %#v, found %#v", i+1, name, want, typed)
		}
	}
}
