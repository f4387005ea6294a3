package jackson

import "iter"

// Value is one node of a document: *Object, Array, DoubleArray, String, Double, Long, Bool or
// Null. The set is closed. A nil Value (and a nil *Object) is written as null, as Jackson writes
// a Java null.
type Value interface{ value() }

// String is a JSON string.
type String string

// Double is a Java double, written by Double.toString rules (AppendDouble); NaN and the
// infinities are written as the quoted strings "NaN", "Infinity", "-Infinity" (Jackson's
// default QUOTE_NON_NUMERIC_NUMBERS).
type Double float64

// Long is a Java long (or int), written as a plain integer.
type Long int64

// Bool is a JSON boolean.
type Bool bool

// Null is the JSON null.
type Null struct{}

// Array is a JSON array of arbitrary values.
type Array []Value

// DoubleArray is a JSON array of doubles. It writes exactly like an Array of Double but without
// boxing every element; use it for long numeric arrays such as KLL sketch data.
type DoubleArray []float64

// Field is one member of an Object.
type Field struct {
	Key   string
	Value Value
}

// Object is a JSON object whose members keep their insertion order, like the LinkedHashMap
// behind Jackson's ObjectNode and the declaration order of a serialised Scala case class.
// The zero value is an empty object ready to use.
//
//	o := jackson.NewObject().
//		Set("version", jackson.Double(0)).
//		Set("dataset", jackson.NewObject().Set("item_count", jackson.Long(23432)))
type Object struct {
	fields []Field
}

// NewObject returns an empty object.
func NewObject() *Object { return &Object{} }

// Set stores v under key and returns o, for chaining. A new key is appended after the existing
// ones; an existing key keeps its position and gets the new value (Jackson ObjectNode.set).
func (o *Object) Set(key string, v Value) *Object {
	for i := range o.fields {
		if o.fields[i].Key == key {
			o.fields[i].Value = v
			return o
		}
	}
	o.fields = append(o.fields, Field{key, v})
	return o
}

// Get returns the value stored under key.
func (o *Object) Get(key string) (Value, bool) {
	for _, f := range o.fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// Len returns the number of members.
func (o *Object) Len() int { return len(o.fields) }

// All yields the members in order.
func (o *Object) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		for _, f := range o.fields {
			if !yield(f.Key, f.Value) {
				return
			}
		}
	}
}

func (*Object) value()     {}
func (Array) value()       {}
func (DoubleArray) value() {}
func (String) value()      {}
func (Double) value()      {}
func (Long) value()        {}
func (Bool) value()        {}
func (Null) value()        {}
