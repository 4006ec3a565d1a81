; tags.scm for Bash: agentos's own tags query (captures as in c/tags.scm).

(function_definition
  name: (word) @name) @definition.function

(program
  (variable_assignment
    name: (variable_name) @name) @definition.variable)

(program
  (declaration_command
    (variable_assignment
      name: (variable_name) @name) @definition.variable))

(command
  name: (command_name
    (word) @name)) @reference.call

(simple_expansion
  (variable_name) @reference.identifier)

(expansion
  (variable_name) @reference.identifier)

(command
  name: (command_name (word) @_source)
  argument: (word) @import
  (#match? @_source "^(source|\\.)$"))
