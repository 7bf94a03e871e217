import Foundation

/// The documented event schema (docs/event.schema.json), checked by python3-jsonschema: an
/// independent validator reading the same file users read.
public enum EventSchema {
    /// Validates every line of a JSON-lines file; the output names each failing line.
    public static func validate(_ jsonlPath: String) async throws -> PythonScript {
        try await PythonScript.run(
            """
            import json, sys
            from jsonschema import Draft202012Validator
            schema = json.load(open(sys.argv[1]))
            Draft202012Validator.check_schema(schema)
            validator = Draft202012Validator(schema)
            bad = 0
            n = 0
            for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
                for error in validator.iter_errors(json.loads(line)):
                    bad += 1
                    print(f"line {n}: {error.json_path}: {error.message}")
            if n == 0:
                sys.exit("no lines to validate")
            print(f"{n} lines valid" if bad == 0 else f"{bad} problems")
            sys.exit(1 if bad else 0)
            """, arguments: [Paths.repository.appendingPathComponent("docs/event.schema.json").path, jsonlPath])
    }
}
