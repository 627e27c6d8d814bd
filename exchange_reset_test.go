package netlink

import (
	"errors"
	"reflect"
	"testing"
)

// TestPutExchangeResets checks that putExchange clears every field of an
// exchange it keeps, however it was used: a field added to exchange and
// forgotten in putExchange fails here.
func TestPutExchangeResets(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	x := c.getExchange()
	// Dirty every field, walking the struct so that new ones are dirtied too.
	v := reflect.ValueOf(x).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch name := v.Type().Field(i).Name; name {
		case "wake", "isOwn", "wbuf", "stored":
			continue // kept across uses
		case "tapd":
			continue // zeroed right after each use (tapSent, tapReceived)
		case "signaled":
			x.signaled.Store(true)
			continue
		}
		dirty(t, v.Type().Field(i).Name, f)
	}
	x.rb = &readBuffer{b: make([]byte, 1)}
	x.err = errors.New("dirty")
	c.putExchange(x)
	y := c.getExchange()
	if y != x {
		t.Fatal("the own exchange was not reused")
	}
	want := exchange{wake: x.wake, isOwn: x.isOwn, wbuf: x.wbuf, stored: x.stored}
	if !reflect.DeepEqual(&want, y) {
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if name == "tapd" {
				continue
			}
			if name == "signaled" {
				if y.signaled.Load() {
					t.Errorf("field signaled not reset")
				}
				continue
			}
			w, g := reflect.ValueOf(&want).Elem().Field(i), v.Field(i)
			w = reflect.NewAt(w.Type(), w.Addr().UnsafePointer()).Elem()
			g = reflect.NewAt(g.Type(), g.Addr().UnsafePointer()).Elem()
			if !reflect.DeepEqual(w.Interface(), g.Interface()) {
				t.Errorf("field %s not reset: %v", name, g)
			}
		}
	}
}

// dirty sets f, an unexported field, to a non-zero value of its kind.
func dirty(t *testing.T, name string, f reflect.Value) {
	t.Helper()
	f = reflect.NewAt(f.Type(), f.Addr().UnsafePointer()).Elem()
	switch f.Kind() {
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		f.SetInt(7)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.SetUint(7)
	case reflect.Slice:
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
	case reflect.Struct:
		if f.NumField() > 0 {
			dirty(t, name+"."+f.Type().Field(0).Name, f.Field(0))
		}
	case reflect.Pointer, reflect.Interface:
		// set below or left to the caller
	default:
		t.Fatalf("field %s: don't know how to dirty a %v", name, f.Kind())
	}
}
