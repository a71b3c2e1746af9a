// Package template is studioflow's Liquid: it parses, checks and renders
// the templates a flow designer writes in widget properties, as Twilio
// Studio's Liquid does, in a sandbox.
//
// # Rendering
//
// Parse parses a template once into Go closures; Renderer.Render runs
// them against the variables an execution holds (flow, trigger,
// widgets...), read in place and never copied: assign, capture and loop
// variables belong to the render. A Template and a Renderer are safe for
// concurrent use.
//
// # The sandbox
//
// Whatever a template holds, a render stops with a *Error of CodeBudget
// within bounded memory and CPU:
//   - one loop runs at most MaxLoopIterations (15) times, as Twilio's does,
//     whatever its limit: (a literal, a variable, none); all the loops of
//     a render share MaxRenderIterations, so nested loops cannot multiply
//     the cap;
//   - every text a render builds (its output, a capture, an assign, a
//     filter's result, an array written out) is capped at MaxTextBytes
//     (16 KB) while it is built, and all of them together at
//     MaxRenderAlloc; lists at MaxListItems;
//   - every output, tag, filter, comparison, and/or, index and iteration
//     costs work, and what walks a value costs in proportion to its size,
//     all capped at MaxRenderOps;
//   - a template's source is at most MaxTemplateBytes, an expression at
//     most MaxExprTokens tokens; blocks and parentheses nest at most
//     MaxNesting deep; include and render at most MaxIncludeDepth.
//
// A render honours its context: once the context is done it stops with
// CodeCanceled, which is the caller's doing rather than the template's.
//
// include and render read only the Renderer's Source (Options.Source);
// without one, or for a name it does not hold, they fail with CodeSandbox.
// Nothing reads the host's files.
//
// # Checked before traffic
//
// Check (and CheckWith) parse every template of a flow definition: one that
// does not parse is an error with its JSON path (CodeSyntax), so the flow
// never takes traffic. An output
// whose expression does not parse ({{ a. b }}) and an unknown filter are
// warnings: Twilio's lax Liquid accepts them, and the step that renders
// one fails.
//
// # Twilio's Liquid, and where this differs from osteele/liquid
//
// osteele/liquid is the reference where it is right: the differential
// tests render generated templates with both and require the same output.
// The deliberate differences:
//   - A string holding a number, whitespace around it included ("\n  2\n",
//     what Set Variables stores for a multi-line template), is that number
//     to plus, minus, times, divided_by, modulo, at_least, at_most, abs,
//     ceil, floor and round, and in a comparison with a number (==, <,
//     ...): Twilio's counter idiom ({{flow.variables.count | plus: 1}} on
//     the Set Variables page) counts. osteele/liquid reads it as 0, and
//     compares it with no number.
//   - Integer arithmetic that overflows gives a float, never a wrapped
//     integer; divided_by and modulo by 0 are errors; an integer literal
//     past int64 is a syntax error, not a panic.
//   - empty and blank are Liquid's: x == empty is true for "", [] and {}
//     (osteele/liquid has neither keyword, so the comparison is false).
//   - and and or are evaluated from right to left, as Shopify's Liquid
//     documents (a or b and c is a or (b and c)); osteele/liquid goes left
//     to right.
//   - A loop cuts its collection by offset and limit first, then reverses
//     it, as Shopify's Liquid does (osteele/liquid reverses first). A limit
//     may be a variable or a string holding an integer.
//   - A loop over a map goes over its [key, value] pairs by key (osteele's
//     order is random).
//   - Whitespace control ({{- -}}, {%- -%}) trims the template's own text,
//     as Shopify's Liquid does, never a rendered value.
//   - "now" and "today" in the date filter are the Renderer's clock, in its
//     zone (UTC unless Options.Zone says otherwise; Twilio shows them in
//     US Pacific time, PacificTime, the runtime's default). A date without an offset, or ending in Z, is
//     read in UTC, never in the host's zone; an epoch is shown in UTC.
//   - to_json writes the value as JSON, as Twilio documents.
//   - increment and decrement work (osteele/liquid lacks them); cycle
//     keeps its position for the render, anywhere in it, as Shopify's
//     Liquid does (osteele/liquid allows it only inside a loop).
//   - An output whose expression does not parse fails only the render that
//     reaches it; osteele/liquid refuses the whole template.
//   - A break or continue inside a capture ends the capture with what it
//     has captured so far, then the loop, as Shopify's Liquid does;
//     osteele/liquid leaves the variable as it was.
package template
