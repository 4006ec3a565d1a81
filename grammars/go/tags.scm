; tags.scm for Go: agentos's own tags query (captures as in c/tags.scm).

(function_declaration
  name: (identifier) @name) @definition.function

(method_declaration
  name: (field_identifier) @name) @definition.method

(type_spec
  name: (type_identifier) @name
  type: (struct_type)) @definition.struct

(type_spec
  name: (type_identifier) @name
  type: (interface_type)) @definition.interface

(type_spec
  name: (type_identifier) @name) @definition.type

(type_alias
  name: (type_identifier) @name) @definition.type

(method_elem
  name: (field_identifier) @name) @definition.method

; Package-level constants and variables (local ones are dropped).
(const_spec
  name: (identifier) @name) @definition.constant

(var_spec
  name: (identifier) @name) @definition.variable

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (selector_expression
    field: (field_identifier) @name)) @reference.call

(type_identifier) @reference.type

(identifier) @reference.identifier

(import_spec
  path: (_) @import)

; Parameters and short variable declarations: their plain uses are not
; another file's names (grammar.c drops them).
(parameter_declaration
  name: (identifier) @local)

(short_var_declaration
  left: (expression_list (identifier) @local))
