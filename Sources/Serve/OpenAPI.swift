/// The HTTP API: the routes the server registers and the OpenAPI 3.1 document describing them
/// (`GET /openapi.json`). The router is built from ``ServeRoutes/api``, and a test checks that the
/// document's paths and methods are exactly these and that each one answers.
enum ServeRoutes {
    struct Route: Hashable, Sendable {
        var method: String
        /// Hummingbird's and OpenAPI's shared template syntax: `/api/models/{ref}`.
        var path: String
    }

    static let health = Route(method: "GET", path: "/healthz")
    static let openAPI = Route(method: "GET", path: "/openapi.json")
    static let models = Route(method: "GET", path: "/api/models")
    static let model = Route(method: "GET", path: "/api/models/{ref}")
    static let translate = Route(method: "POST", path: "/api/models/{ref}/translate")

    /// Every API route (the pages and their assets are not part of the API).
    static let api: [Route] = [health, openAPI, models, model, translate]

    static func document(limits: ServeLimits, version: String) -> [String: Any] {
        let error: [String: Any] = ["$ref": "#/components/schemas/Error"]
        func errorResponse(_ text: String, retryAfter: Bool = false) -> [String: Any] {
            var r: [String: Any] = ["description": text, "content": ["application/json": ["schema": error]]]
            if retryAfter {
                r["headers"] = ["Retry-After": ["description": "seconds to wait before retrying", "schema": ["type": "integer", "minimum": 1]]]
            }
            return r
        }
        let ref: [String: Any] = [
            "name": "ref", "in": "path", "required": true,
            "description": "A model id, or id@version (the latest version when none is given). Ids are looked up in the zoo's index, never used as paths.",
            "schema": ["type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}(@[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?)?$"],
            "example": "gray2color@2.0.0",
        ]
        let unknown = errorResponse("No such model (close ids are suggested), or no such version")
        let mb = limits.maxBodyBytes >> 20
        let mp = Double(limits.pixelBudget.maxPixels) / 1e6
        let paths: [String: Any] = [
            health.path: ["get": [
                "summary": "Liveness, load and limits",
                "operationId": "health",
                "responses": ["200": ["description": "The server runs", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Health"]]]]],
            ]],
            openAPI.path: ["get": [
                "summary": "This document",
                "operationId": "openapi",
                "responses": ["200": ["description": "OpenAPI 3.1", "content": ["application/json": ["schema": ["type": "object"]]]]],
            ]],
            models.path: ["get": [
                "summary": "Every model of the zoo: its index (id, versions, task, licence, size, eval-mode metrics)",
                "operationId": "listModels",
                "responses": ["200": ["description": "The zoo index (format pix2pixzoo-index)", "content": ["application/json": ["schema": ["type": "object"]]]]],
            ]],
            model.path: ["get": [
                "summary": "One model's card (card.json)",
                "operationId": "getModel",
                "parameters": [ref],
                "responses": ["200": ["description": "The model card", "content": ["application/json": ["schema": ["type": "object"]]]], "404": unknown],
            ]],
            translate.path: ["post": [
                "summary": "Translate an image (PNG or JPEG out), or an HDF5 pair file (a PNG grid of input | output | target rows)",
                "description": "The body is the image itself (image/png, image/jpeg), an HDF5 pair file (application/x-hdf5), or multipart/form-data with the file in a field named image. Bodies over \(mb) MiB get 413 before they are read; images whose header declares more than \(Int(mp)) MP get 413 before they are decoded. Images of any size are translated (in tiles when large), at their own size.",
                "operationId": "translate",
                "parameters": [
                    ref,
                    ["name": "format", "in": "query", "required": false, "description": "png (default) or jpg", "schema": ["type": "string", "enum": ["png", "jpg"]]],
                    ["name": "mode", "in": "query", "required": false, "description": "eval (default: dropout off, running statistics) or train (dropout on, batch statistics: the paper's test setting)", "schema": ["type": "string", "enum": ["eval", "train"]]],
                    ["name": "preprocess", "in": "query", "required": false, "description": "none (default), gray, or canny (the Canny settings the model's card records; edge models only)", "schema": ["type": "string", "enum": ["none", "gray", "canny"]]],
                    ["name": "edges", "in": "query", "required": false, "description": "The polarity of a given edge map (edge models): inverted to the card's when they differ", "schema": ["type": "string", "enum": ["black-on-white", "white-on-black"]]],
                ],
                "requestBody": ["required": true, "content": [
                    "image/png": ["schema": ["type": "string", "format": "binary"]],
                    "image/jpeg": ["schema": ["type": "string", "format": "binary"]],
                    "application/x-hdf5": ["schema": ["type": "string", "format": "binary"]],
                    "multipart/form-data": ["schema": ["type": "object", "properties": ["image": ["type": "string", "format": "binary"]], "required": ["image"]]],
                ]],
                "responses": [
                    "200": [
                        "description": "The translation, the input's size (HDF5: the grid)",
                        "headers": [
                            "X-Translation-Seconds": ["description": "time on the translation thread (decode, translate, encode)", "schema": ["type": "number"]],
                            "X-Image-Size": ["description": "WIDTHxHEIGHT of the output", "schema": ["type": "string"]],
                            "X-Model": ["description": "id@version that ran", "schema": ["type": "string"]],
                        ],
                        "content": ["image/png": ["schema": ["type": "string", "format": "binary"]], "image/jpeg": ["schema": ["type": "string", "format": "binary"]]],
                    ],
                    "400": errorResponse("Not a readable image, or a query parameter not accepted"),
                    "404": unknown,
                    "413": errorResponse("Body over \(mb) MiB, or an image over \(Int(mp)) MP (from its header)"),
                    "415": errorResponse("Not PNG, JPEG, HDF5 or multipart"),
                    "503": errorResponse("Every translation slot and queue place is taken, or the request timed out", retryAfter: true),
                ],
            ]],
        ]
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Pix2PixZoo serve",
                "version": version,
                "description": "pix2pix models of a local zoo over HTTP: list them, read their cards, translate pictures. No authentication: the server binds 127.0.0.1 unless told otherwise.",
            ],
            "paths": paths,
            "components": ["schemas": [
                "Error": [
                    "type": "object", "required": ["error", "hint"],
                    "properties": ["error": ["type": "string"], "hint": ["type": "string"], "suggestions": ["type": "array", "items": ["type": "string"]]],
                ],
                "Health": [
                    "type": "object", "required": ["status", "models", "running", "queued"],
                    "properties": [
                        "status": ["type": "string", "enum": ["ok"]], "models": ["type": "integer"], "running": ["type": "integer"], "queued": ["type": "integer"],
                        "loaded_models": ["type": "integer"], "limits": ["type": "object"],
                    ],
                ],
            ]],
        ]
    }
}
