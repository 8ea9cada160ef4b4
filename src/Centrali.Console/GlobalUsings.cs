// Namespaces nearly every feature needs: the database context and the shared kernel (envelope, paging, problems, idempotency),
// and the framework's JSON, text and EF Core. A file's own using lines name what it needs beyond these.
global using System.Collections.Concurrent;
global using System.Globalization;
global using System.Text;
global using System.Text.Json;
global using System.Text.Json.Nodes;
global using System.Text.Json.Serialization;
global using Centrali.Console.Data;
global using Centrali.Console.Shared;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.EntityFrameworkCore.Metadata.Builders;
global using Microsoft.Extensions.Options;
