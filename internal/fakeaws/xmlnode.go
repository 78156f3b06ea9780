package fakeaws

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// X is an XML element built in code. The query protocols answer with many
// nested shapes; building them as trees keeps each renderer a readable
// function instead of a parallel set of encoding/xml struct types.
// An X with an empty Name renders nothing, so optional fields can be built
// inline.
type X struct {
	Name string
	Attr string // raw attributes of the start tag, e.g. xmlns="..."
	Text string
	Kids []X
	leaf bool
}

// E is an element with children.
func E(name string, kids ...X) X { return X{Name: name, Kids: kids} }

// T is a text element, rendered even when empty.
func T(name, text string) X { return X{Name: name, Text: text, leaf: true} }

// Opt is a text element rendered only when text is not empty.
func Opt(name, text string) X {
	if text == "" {
		return X{}
	}
	return T(name, text)
}

func TI(name string, v int) X  { return T(name, strconv.Itoa(v)) }
func TB(name string, v bool) X { return T(name, strconv.FormatBool(v)) }
func TT(name string, t time.Time) X {
	if t.IsZero() {
		return X{}
	}
	return T(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// List wraps items, each named item (EC2) or member (awsQuery). An empty
// list still renders its wrapper, as AWS does.
func List(name, itemName string, items []X) X {
	kids := make([]X, 0, len(items))
	for _, it := range items {
		it.Name = itemName
		kids = append(kids, it)
	}
	return X{Name: name, Kids: kids}
}

// Strings is a list of text items.
func Strings(name, itemName string, vs []string) X {
	items := make([]X, len(vs))
	for i, v := range vs {
		items[i] = T(itemName, v)
	}
	return List(name, itemName, items)
}

func (x X) render(b *strings.Builder) {
	if x.Name == "" {
		return
	}
	if x.Attr != "" {
		b.WriteString("<" + x.Name + " " + x.Attr + ">")
	} else {
		b.WriteString("<" + x.Name + ">")
	}
	if x.leaf {
		xml.EscapeText(b, []byte(x.Text)) //nolint:errcheck // strings.Builder never fails
	}
	for _, k := range x.Kids {
		k.render(b)
	}
	b.WriteString("</" + x.Name + ">")
}

// tagSet renders EC2 tags.
func tagSet(t Tags) X {
	items := []X{}
	for _, k := range sortedKeys(t) {
		items = append(items, E("item", T("key", k), T("value", t[k])))
	}
	return List("tagSet", "item", items)
}
