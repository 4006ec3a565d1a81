; tags.scm for C: agentos's own tags query (see grammar.c for the captures).
;   @definition.KIND  the whole definition (line span, signature line)
;   @name             its name; when absent, @declarator is walked down its
;                     declarator fields to the name (pointers, arrays,
;                     parenthesised and function declarators)
;   @reference.KIND   a use; its text (or its @name) is the name
;   @import           an #include path
; Earlier patterns win when two define the same name node.

; Functions, whatever their declarator (pointer returns, function pointers).
(function_definition
  declarator: (_) @declarator) @definition.function

; A function whose head a macro broke: the parser leaves an ERROR, but the
; declarator and body are intact.
(ERROR
  (function_declarator
    declarator: (identifier) @name) @definition.function
  .
  (compound_statement))

(struct_specifier
  name: (type_identifier) @name
  body: (field_declaration_list)) @definition.struct

(union_specifier
  name: (type_identifier) @name
  body: (field_declaration_list)) @definition.union

(enum_specifier
  name: (type_identifier) @name
  body: (enumerator_list)) @definition.enum

(enumerator
  name: (identifier) @name) @definition.constant

(type_definition
  declarator: (_) @declarator) @definition.type

(preproc_def
  name: (identifier) @name) @definition.macro

(preproc_function_def
  name: (identifier) @name) @definition.macro

; Function declarations (prototypes): the API in headers.
(declaration
  declarator: [(function_declarator) (pointer_declarator)]
    @declarator) @definition.prototype

; File-scope variables (local ones are dropped by grammar.c).
(declaration
  declarator: (init_declarator
    declarator: (_) @declarator)) @definition.variable

(declaration
  declarator: [(identifier) (array_declarator) (pointer_declarator)]
    @declarator) @definition.variable

(call_expression
  function: (identifier) @name) @reference.call

(type_identifier) @reference.type

(preproc_ifdef
  name: (identifier) @name) @reference.macro

(identifier) @reference.identifier

(preproc_include
  path: (_) @import)

; Parameters: their plain uses are the parameter, not another file's name
; (grammar.c drops them; local variables likewise).
(parameter_declaration
  declarator: (_) @local)
