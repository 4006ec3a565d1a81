; tags.scm for C++: agentos's own tags query (captures as in c/tags.scm).

; Member functions defined in a class body.
(field_declaration_list
  (function_definition
    declarator: (_) @declarator) @definition.method)

(field_declaration_list
  (template_declaration
    (function_definition
      declarator: (_) @declarator) @definition.method))

; Functions; grammar.c makes Class::name definitions methods.
(function_definition
  declarator: (_) @declarator) @definition.function

(ERROR
  (function_declarator
    declarator: (identifier) @name) @definition.function
  .
  (compound_statement))

; Member function declarations in a class body.
(field_declaration
  declarator: (function_declarator
    declarator: [(field_identifier) (destructor_name) (operator_name)]
      @name)) @definition.method

(class_specifier
  name: (_) @name
  body: (field_declaration_list)) @definition.class

(struct_specifier
  name: (_) @name
  body: (field_declaration_list)) @definition.struct

(union_specifier
  name: (_) @name
  body: (field_declaration_list)) @definition.union

(enum_specifier
  name: (_) @name
  body: (enumerator_list)) @definition.enum

(enumerator
  name: (identifier) @name) @definition.constant

(namespace_definition
  name: (_) @name) @definition.module

(type_definition
  declarator: (_) @declarator) @definition.type

(alias_declaration
  name: (type_identifier) @name) @definition.type

(concept_definition
  name: (identifier) @name) @definition.type

(preproc_def
  name: (identifier) @name) @definition.macro

(preproc_function_def
  name: (identifier) @name) @definition.macro

; Function declarations (prototypes): the API in headers.
(declaration
  declarator: [(function_declarator) (pointer_declarator)
    (reference_declarator)] @declarator) @definition.prototype

(declaration
  declarator: (init_declarator
    declarator: (_) @declarator)) @definition.variable

(declaration
  declarator: [(identifier) (array_declarator) (pointer_declarator)]
    @declarator) @definition.variable

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (qualified_identifier
    name: (identifier) @name)) @reference.call

(call_expression
  function: (field_expression
    field: (field_identifier) @name)) @reference.call

(call_expression
  function: (template_function
    name: (identifier) @name)) @reference.call

(new_expression
  type: (type_identifier) @name) @reference.call

(type_identifier) @reference.type

(namespace_identifier) @reference.type

(preproc_ifdef
  name: (identifier) @name) @reference.macro

(identifier) @reference.identifier

(preproc_include
  path: (_) @import)

; Parameters: their plain uses are the parameter, not another file's name
; (grammar.c drops them; local variables likewise).
(parameter_declaration
  declarator: (_) @local)
