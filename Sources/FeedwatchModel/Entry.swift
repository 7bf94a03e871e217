/// One entry of a feed as the parser read it.
///
/// Every text field is plain text: markup removed, entities decoded, whitespace collapsed, always
/// valid UTF-8. Empty strings mean "absent"; the parser never invents a value (no "now" for a
/// missing date, no random id).
public struct Entry: Sendable, Equatable {
    /// The publisher's id: RSS `guid`, Atom `id`, RDF `rdf:about`, JSON Feed `id`; nil if none.
    public var id: String?
    /// The entry's web page, absolute (resolved against `xml:base` and the feed URL), http(s) only.
    public var link: String?
    public var title: String
    public var summary: String
    public var content: String
    public var published: Timestamp?
    public var updated: Timestamp?
    public var authors: [String]
    public var categories: [String]
    public var enclosures: [Enclosure]
    /// Media RSS `media:content` and `media:thumbnail` (images and video that illustrate the entry).
    public var media: [Enclosure]

    public init(
        id: String? = nil, link: String? = nil, title: String = "", summary: String = "", content: String = "",
        published: Timestamp? = nil, updated: Timestamp? = nil, authors: [String] = [], categories: [String] = [],
        enclosures: [Enclosure] = [], media: [Enclosure] = []
    ) {
        self.id = id
        self.link = link
        self.title = title
        self.summary = summary
        self.content = content
        self.published = published
        self.updated = updated
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
        self.media = media
    }
}

/// A file attached to an entry: RSS `enclosure`, Atom `link rel="enclosure"`, or a Media RSS object.
public struct Enclosure: Sendable, Equatable {
    public var url: String
    public var type: String
    /// Size in bytes as the feed declares it; nil when absent or not a number.
    public var length: Int64?

    public init(url: String, type: String = "", length: Int64? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}
