; tags.scm for Java: agentos's own tags query (captures as in c/tags.scm).

(class_declaration
  name: (identifier) @name) @definition.class

(record_declaration
  name: (identifier) @name) @definition.class

(interface_declaration
  name: (identifier) @name) @definition.interface

(annotation_type_declaration
  name: (identifier) @name) @definition.interface

(enum_declaration
  name: (identifier) @name) @definition.enum

(method_declaration
  name: (identifier) @name) @definition.method

(constructor_declaration
  name: (identifier) @name) @definition.method

(enum_constant
  name: (identifier) @name) @definition.constant

(field_declaration
  declarator: (variable_declarator
    name: (identifier) @name)) @definition.variable

(constant_declaration
  declarator: (variable_declarator
    name: (identifier) @name)) @definition.constant

(method_invocation
  name: (identifier) @name) @reference.call

(object_creation_expression
  type: (type_identifier) @name) @reference.call

(type_identifier) @reference.type

(identifier) @reference.identifier

(import_declaration
  (_) @import)

; Parameters and local variables: their plain uses are not another file's
; names (grammar.c drops them).
(formal_parameter
  name: (identifier) @local)

(local_variable_declaration
  declarator: (variable_declarator
    name: (identifier) @local))
