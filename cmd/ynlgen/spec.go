package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The spec's YAML, as far as the generator reads it. Fields the generator
// has no use for (doc, c-names, kernel-policy, ...) are not declared.

// Spec is one family's spec file.
type Spec struct {
	Name          string         `yaml:"name"`
	Protocol      string         `yaml:"protocol"`
	Protonum      *int           `yaml:"protonum"`
	Version       *int           `yaml:"version"`
	Definitions   []Definition   `yaml:"definitions"`
	AttributeSets []AttributeSet `yaml:"attribute-sets"`
	SubMessages   []SubMessage   `yaml:"sub-messages"`
	Operations    Operations     `yaml:"operations"`
	McastGroups   McastGroups    `yaml:"mcast-groups"`
}

// Definition is an entry of definitions: a const, enum, flags or struct.
type Definition struct {
	Name       string   `yaml:"name"`
	Type       string   `yaml:"type"`
	Value      Value    `yaml:"value"`
	ValueStart Value    `yaml:"value-start"`
	Entries    []Entry  `yaml:"entries"`
	Members    []Member `yaml:"members"`
}

// Entry is an enum or flags entry: a bare name or a name with a value.
type Entry struct {
	Name  string
	Value *int64
}

// UnmarshalYAML accepts both forms of an entry.
func (e *Entry) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		e.Name = s
		return nil
	}
	var m struct {
		Name  string `yaml:"name"`
		Value *int64 `yaml:"value"`
	}
	if err := unmarshal(&m); err != nil {
		return err
	}
	e.Name, e.Value = m.Name, m.Value
	return nil
}

// Member is a member of a struct definition.
type Member struct {
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	Len         Value  `yaml:"len"`
	ByteOrder   string `yaml:"byte-order"`
	Enum        string `yaml:"enum"`
	EnumAsFlags bool   `yaml:"enum-as-flags"`
	DisplayHint string `yaml:"display-hint"`
	Struct      string `yaml:"struct"`
}

// AttributeSet is an entry of attribute-sets.
type AttributeSet struct {
	Name       string      `yaml:"name"`
	SubsetOf   string      `yaml:"subset-of"`
	Attributes []Attribute `yaml:"attributes"`
}

// Attribute is one attribute of a set.
type Attribute struct {
	Name             string `yaml:"name"`
	Type             string `yaml:"type"`
	Value            *int   `yaml:"value"`
	ByteOrder        string `yaml:"byte-order"`
	Enum             string `yaml:"enum"`
	EnumAsFlags      bool   `yaml:"enum-as-flags"`
	DisplayHint      string `yaml:"display-hint"`
	MultiAttr        bool   `yaml:"multi-attr"`
	NestedAttributes string `yaml:"nested-attributes"`
	SubType          string `yaml:"sub-type"`
	Struct           string `yaml:"struct"`
	SubMessage       string `yaml:"sub-message"`
	Selector         string `yaml:"selector"`
	Len              Value  `yaml:"len"`
	Checks           Checks `yaml:"checks"`
}

// Checks are an attribute's checks, which become its policy.
type Checks struct {
	Min            Value `yaml:"min"`
	Max            Value `yaml:"max"`
	MinLen         Value `yaml:"min-len"`
	MaxLen         Value `yaml:"max-len"`
	ExactLen       Value `yaml:"exact-len"`
	UnterminatedOK bool  `yaml:"unterminated-ok"`
}

// SubMessage is an entry of sub-messages.
type SubMessage struct {
	Name    string   `yaml:"name"`
	Formats []Format `yaml:"formats"`
}

// Format is one format of a sub-message, chosen by the selector's value.
type Format struct {
	Value        string `yaml:"value"`
	FixedHeader  string `yaml:"fixed-header"`
	AttributeSet string `yaml:"attribute-set"`
}

// Operations is the operations section.
type Operations struct {
	EnumModel   string      `yaml:"enum-model"`
	FixedHeader string      `yaml:"fixed-header"`
	List        []Operation `yaml:"list"`
}

// Operation is one operation.
type Operation struct {
	Name         string     `yaml:"name"`
	Value        *int       `yaml:"value"`
	AttributeSet string     `yaml:"attribute-set"`
	FixedHeader  string     `yaml:"fixed-header"`
	Do           *Direction `yaml:"do"`
	Dump         *Direction `yaml:"dump"`
	Notify       string     `yaml:"notify"`
	Event        *Message   `yaml:"event"`
	Mcgrp        string     `yaml:"mcgrp"`
}

// Direction is the do or dump of an operation.
type Direction struct {
	Request *Message `yaml:"request"`
	Reply   *Message `yaml:"reply"`
}

// Message is a request, reply or event: its value in the directional
// model and the attributes it carries.
type Message struct {
	Value      *int     `yaml:"value"`
	Attributes []string `yaml:"attributes"`
}

// McastGroups is the mcast-groups section.
type McastGroups struct {
	List []McastGroup `yaml:"list"`
}

// McastGroup is a multicast group: named for generic netlink, numbered
// (value) for netlink-raw.
type McastGroup struct {
	Name  string `yaml:"name"`
	Value *int   `yaml:"value"`
}

// Value is a number or the name of a const, as checks and lengths may be.
type Value struct {
	Set  bool
	Int  int64
	Name string
}

// UnmarshalYAML reads a number or a name.
func (v *Value) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	v.Set = true
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		v.Int = n
		return nil
	}
	v.Name = s
	return nil
}

// limits are the names the spec format gives the integer limits.
var limits = map[string]int64{
	"u8-max": 1<<8 - 1, "u16-max": 1<<16 - 1, "u32-max": 1<<32 - 1,
	"s8-min": -1 << 7, "s8-max": 1<<7 - 1, "s16-min": -1 << 15, "s16-max": 1<<15 - 1,
	"s32-min": -1 << 31, "s32-max": 1<<31 - 1,
}

// resolve returns v's number, looking names up among the spec's consts.
func (s *Spec) resolve(v Value) (int64, error) {
	if v.Name == "" {
		return v.Int, nil
	}
	if n, ok := limits[v.Name]; ok {
		return n, nil
	}
	name, off := v.Name, int64(0)
	if i := strings.LastIndexAny(name, "+-"); i > 0 && strings.TrimSpace(name[i+1:]) != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(name[i+1:]), 0, 64); err == nil {
			off = n
			if name[i] == '-' {
				off = -n
			}
			name = strings.TrimSpace(name[:i])
		}
	}
	for _, d := range s.Definitions {
		if d.Name == name && d.Type == "const" {
			n, err := s.resolve(d.Value)
			return n + off, err
		}
	}
	return 0, fmt.Errorf("unknown constant %q", v.Name)
}
