; tags.scm for TSX: appended to typescript/tags.scm by grammar.c.

(jsx_opening_element
  name: (identifier) @name) @reference.call

(jsx_self_closing_element
  name: (identifier) @name) @reference.call
