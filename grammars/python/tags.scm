; tags.scm for Python: agentos's own tags query (captures as in
; c/tags.scm).

(class_definition
  body: (block
    (function_definition
      name: (identifier) @name) @definition.method))

(class_definition
  body: (block
    (decorated_definition
      definition: (function_definition
        name: (identifier) @name) @definition.method)))

(class_definition
  name: (identifier) @name) @definition.class

(function_definition
  name: (identifier) @name) @definition.function

(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.constant)
  (#match? @name "^[A-Z][A-Z0-9_]*$"))

(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.variable))

(type_alias_statement
  (type (identifier) @name)) @definition.type

(call
  function: (identifier) @name) @reference.call

(call
  function: (attribute
    attribute: (identifier) @name)) @reference.call

(identifier) @reference.identifier

(import_statement
  name: (dotted_name) @import)

(import_statement
  name: (aliased_import
    name: (dotted_name) @import))

(import_from_statement
  module_name: (_) @import)

; Parameters and a function's own variables: their plain uses are not
; another file's names (grammar.c drops them).
(parameters (identifier) @local)

(default_parameter
  name: (identifier) @local)

(typed_parameter
  (identifier) @local)

(typed_default_parameter
  name: (identifier) @local)

(function_definition
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @local))))
