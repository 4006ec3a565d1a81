; tags.scm for JavaScript (and JSX): agentos's own tags query (captures as
; in c/tags.scm).  typescript/tags.scm repeats the shared patterns.

(method_definition
  name: (_) @name) @definition.method

(class_declaration
  name: (_) @name) @definition.class

(class
  name: (_) @name) @definition.class

[
  (function_declaration name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
  (function_expression name: (identifier) @name)
  (generator_function name: (identifier) @name)
] @definition.function

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression)
    (generator_function)]) @definition.function

(assignment_expression
  left: (member_expression
    property: (property_identifier) @name)
  right: [(arrow_function) (function_expression)]) @definition.function

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

(program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name) @definition.variable))

(program
  (export_statement
    declaration: (lexical_declaration
      (variable_declarator
        name: (identifier) @name) @definition.variable)))

(program
  (variable_declaration
    (variable_declarator
      name: (identifier) @name) @definition.variable))

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (member_expression
    property: (property_identifier) @name)) @reference.call

(new_expression
  constructor: (identifier) @name) @reference.type

(jsx_opening_element
  name: (identifier) @name) @reference.call

(jsx_self_closing_element
  name: (identifier) @name) @reference.call

(identifier) @reference.identifier

(import_statement
  source: (string) @import)

(export_statement
  source: (string) @import)

(call_expression
  function: (identifier) @_require
  arguments: (arguments . (string) @import)
  (#eq? @_require "require"))

; Parameters: their plain uses are not another file's names (grammar.c
; drops them).
(formal_parameters (identifier) @local)
