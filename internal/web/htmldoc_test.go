package web

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// node is a parsed HTML element, enough for tests to inspect the markup the
// way a browser's accessibility tree and form logic would.
type node struct {
	Tag      string
	Attr     map[string]string
	Children []*node
	Parent   *node
	text     strings.Builder
}

// parseHTML reads a page with the standard library's lenient XML decoder in
// HTML mode (void elements, entities, boolean attributes).
func parseHTML(t testing.TB, body string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{Tag: "#root", Attr: map[string]string{}}
	cur := root
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse HTML: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Tag: strings.ToLower(tok.Name.Local), Attr: map[string]string{}, Parent: cur}
			for _, a := range tok.Attr {
				n.Attr[strings.ToLower(a.Name.Local)] = a.Value
			}
			cur.Children = append(cur.Children, n)
			cur = n
		case xml.EndElement:
			if cur.Parent != nil {
				cur = cur.Parent
			}
		case xml.CharData:
			for n := cur; n != nil; n = n.Parent {
				n.text.Write(tok)
			}
		}
	}
	return root
}

// Text is the element's text content with whitespace collapsed.
func (n *node) Text() string { return strings.Join(strings.Fields(n.text.String()), " ") }

func (n *node) has(attr string) bool { _, ok := n.Attr[attr]; return ok }

// all returns the elements below n that match.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		for _, c := range x.Children {
			if match(c) {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *node) tags(tag string) []*node {
	return n.all(func(x *node) bool { return x.Tag == tag })
}

func (n *node) byID(id string) *node {
	if found := n.all(func(x *node) bool { return x.Attr["id"] == id }); len(found) > 0 {
		return found[0]
	}
	return nil
}

// form returns the enclosing form of n, or nil.
func (n *node) form() *node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Tag == "form" {
			return p
		}
	}
	return nil
}
