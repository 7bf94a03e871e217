import FeedwatchMatch
import FeedwatchModel
import FeedwatchNormalise
import FeedwatchStore

/// Builds the events feedwatch emits (schema version 1, documented field by field in README).
///
/// ```json
/// {"v":1,"type":"story.new","id":"evt_…","detected_at":"2024-08-13T08:51:16Z",
///  "feed":{"url":"…","title":"…"},
///  "story":{"id":"…","key":"…","link":"…","title":"…","summary":"…","published":"…","updated":null,
///           "authors":[],"categories":[],"content_hash":"sha256:…"},
///  "watches":[{"name":"iraq-coalition","terms":[{"term":"Iraq","field":"title"}],"snippet":"…"}]}
/// ```
/// Outputs add their own `seq` in front. The id is derived from the feed, the story key and the
/// content hash, so the same story version always has the same id: a consumer de-duplicates on it.
enum EventRenderer {
    static let schemaVersion = 1

    static func eventID(_ new: StorySighting) -> String {
        let digest = Digest.sha256(
            "\(type(new))\n\(new.feedURL)\n\(Digest.hex(new.story.key))\n\(Digest.hex(new.story.contentHash))")
        return "evt_" + Digest.hex(Array(digest.prefix(16)))
    }

    /// `feed.failing` / `feed.recovered`, for JSON-lines outputs:
    /// `{"v":1,"type":"feed.failing","id":…,"detected_at":…,"feed":{url,title},"failures":3,
    /// "error":"…","last_success":"…"|null}` and
    /// `{"v":1,"type":"feed.recovered","id":…,"detected_at":…,"feed":{url,title},"failing_since":"…"}`.
    /// The id is derived from the feed and the time it started failing.
    static func feedHealth(_ change: FeedHealthChange, feedURL: String, feedTitle: String, at: Timestamp)
        -> (id: String, payload: [UInt8])
    {
        let type: String
        let since: Timestamp
        switch change {
        case .failing: (type, since) = ("feed.failing", at)
        case .recovered(let failingSince): (type, since) = ("feed.recovered", failingSince)
        }
        let id = "evt_" + Digest.hex(Array(Digest.sha256("\(type)\n\(feedURL)\n\(since.seconds)").prefix(16)))
        var w = JSONWriter(capacity: 512)
        writeHeader(&w, type: type, id: id, at: at, feedURL: feedURL, feedTitle: feedTitle)
        switch change {
        case .failing(let failures, let error, let lastSuccess):
            w.key("failures")
            w.value(failures)
            w.key("error")
            w.value(error)
            w.key("last_success")
            w.value(lastSuccess)
        case .recovered(let failingSince):
            w.key("failing_since")
            w.value(failingSince)
        }
        w.endObject()
        return (id, w.bytes)
    }

    /// Opens an event object with the fields every event starts with: `v`, `type`, `id`,
    /// `detected_at`, `feed`.
    private static func writeHeader(
        _ w: inout JSONWriter, type: String, id: String, at: Timestamp, feedURL: String, feedTitle: String
    ) {
        w.beginObject()
        w.key("v")
        w.value(schemaVersion)
        w.key("type")
        w.value(type)
        w.key("id")
        w.value(id)
        w.key("detected_at")
        w.value(at)
        w.key("feed")
        w.beginObject()
        w.key("url")
        w.value(RedactedURL.text(feedURL))
        w.key("title")
        w.value(feedTitle)
        w.endObject()
    }

    static func type(_ sighting: StorySighting) -> String { sighting.update == nil ? "story.new" : "story.updated" }

    /// `story.new`, or `story.updated` with `changes` (["title", "link", "body"]) and `previous`
    /// (`{title, link}`) after the story.
    static func story(_ new: StorySighting, id: String, matches: [WatchMatch]) -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        let e = new.story.entry
        writeHeader(&w, type: type(new), id: id, at: new.detectedAt, feedURL: new.feedURL, feedTitle: new.feedTitle)
        w.key("story")
        w.beginObject()
        w.key("id")
        w.value(e.id)
        w.key("key")
        w.value(Digest.hex(new.story.key))
        w.key("link")
        w.value(e.link)
        w.key("title")
        w.value(e.title)
        w.key("summary")
        w.value(e.summary)
        w.key("published")
        w.value(e.published)
        w.key("updated")
        w.value(e.updated)
        w.key("authors")
        w.value(strings: e.authors)
        w.key("categories")
        w.value(strings: e.categories)
        w.key("content_hash")
        w.value("sha256:" + Digest.hex(new.story.contentHash))
        w.endObject()
        if let update = new.update {
            w.key("changes")
            w.value(strings: update.changes)
            w.key("previous")
            w.beginObject()
            w.key("title")
            w.value(update.previousTitle)
            w.key("link")
            w.value(update.previousLink)
            w.endObject()
        }
        w.key("watches")
        w.write(matches: matches)
        w.endObject()
        return w.bytes
    }
}
